/**
 * Cloudflare Workers entry. Configuration comes from vars and secrets in `env`; it is validated
 * once per env object and, if invalid, every request fails closed with a message naming the
 * variable. Records go to Workers Analytics Engine when a RECORDS binding exists.
 */
import { createApp } from "./app.js";
import { type Env, loadConfig } from "./config.js";
import type { RelayDeps } from "./flow/context.js";
import { type AnalyticsEngineBinding, analyticsRecorder } from "./records.js";

const depsByEnv = new WeakMap<object, Promise<RelayDeps>>();

function depsFor(env: Env): Promise<RelayDeps> {
  let deps = depsByEnv.get(env);
  if (!deps) {
    const records = env.RECORDS as AnalyticsEngineBinding | undefined;
    deps = loadConfig(env).then((config) => ({ config, recorder: analyticsRecorder(records) }));
    depsByEnv.set(env, deps);
    // A broken configuration is re-read on the next request rather than cached.
    deps.catch(() => depsByEnv.delete(env));
  }
  return deps;
}

export default createApp({ resolveDeps: (c) => depsFor((c.env ?? {}) as Env) });
