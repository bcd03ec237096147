/**
 * Cloudflare Workers entry. Configuration comes from vars and secrets in `env`; it is validated
 * once per env object and, if invalid, every request fails closed with a message naming the
 * variable. Records go to Workers Analytics Engine when a RECORDS binding exists.
 */
import { createApp } from "./app.js";
import { type Env, loadConfig } from "./config.js";
import type { RelayDeps } from "./flow/context.js";
import { type AnalyticsEngineBinding, analyticsRecorder } from "./records.js";
import { mountSandbox, sandboxAwareFetch } from "./sandbox/server.js";
import { workersRateLimit } from "./web/rate-limit.js";

const depsByEnv = new WeakMap<object, Promise<RelayDeps>>();

function depsFor(env: Env): Promise<RelayDeps> {
  let deps = depsByEnv.get(env);
  if (!deps) {
    const records = env.RECORDS as AnalyticsEngineBinding | undefined;
    deps = loadConfig(env).then((config) => ({
      config,
      recorder: analyticsRecorder(records),
      // SANDBOX=1 only: the relay reaches the sandbox token endpoint in process (no self-fetch).
      fetch: config.sandbox ? sandboxAwareFetch(config.relayUrl, (request) => app.fetch(request, env)) : undefined,
    }));
    depsByEnv.set(env, deps);
    // A broken configuration is re-read on the next request rather than cached.
    deps.catch(() => depsByEnv.delete(env));
  }
  return deps;
}

// The sandbox routes exist in the bundle but answer 404 unless the env says SANDBOX=1 explicitly.
const app = createApp({
  resolveDeps: (c) => depsFor((c.env ?? {}) as Env),
  mount: mountSandbox,
  // Rate Limiting binding(s) when configured in wrangler.toml; the address is only used hashed.
  clientAddress: (c) => c.req.header("cf-connecting-ip"),
  rateLimit: (c) => workersRateLimit((c.env ?? {}) as Env),
});
export default app;
