/**
 * The Cloudflare Workers app, shared by the two Workers entries. Configuration comes from vars and
 * secrets in `env`; it is validated once per env object and, if invalid, every request fails
 * closed with a message naming the variable. Records go to Workers Analytics Engine when a RECORDS
 * binding exists.
 *
 * src/worker.ts, the production entry, builds it without the sandbox server (so its bundle has
 * none) and fails closed with SANDBOX=1; src/worker-sandbox.ts builds it with the sandbox mounted,
 * for `npx wrangler dev --env sandbox` only. This module is not an entry itself: workerd takes
 * every named export of a Worker's main module for a handler.
 */
import type { Hono } from "hono";
import { createApp } from "./app.js";
import { ConfigError, type Env, loadConfig } from "./config.js";
import type { RelayDeps, RelayEnv } from "./flow/context.js";
import { type AnalyticsEngineBinding, analyticsRecorder } from "./records.js";
import type { mountSandbox, sandboxAwareFetch } from "./sandbox/server.js";
import { workersRateLimit } from "./web/rate-limit.js";

/** The sandbox server, handed in by src/worker-sandbox.ts; the import above is types only. */
export interface WorkerSandbox {
  readonly mountSandbox: typeof mountSandbox;
  readonly sandboxAwareFetch: typeof sandboxAwareFetch;
  /** What the configuration is read from instead of `env` (zero-config defaults for local trials). */
  readonly configEnv?: (env: Env) => Env;
}

export interface WorkerOptions {
  readonly sandbox?: WorkerSandbox;
}

const NO_SANDBOX_IN_BUILD =
  "invalid configuration:\n  - SANDBOX: this Worker build has no sandbox server (production bundle); unset SANDBOX, or for local trials run `npx wrangler dev --env sandbox`";

export function createWorkerApp(options: WorkerOptions = {}): Hono<RelayEnv> {
  const { sandbox } = options;
  const depsByEnv = new WeakMap<object, Promise<RelayDeps>>();

  async function loadDeps(env: Env): Promise<RelayDeps> {
    if (!sandbox && typeof env.SANDBOX === "string" && env.SANDBOX.trim() === "1")
      throw new ConfigError(NO_SANDBOX_IN_BUILD);
    const config = await loadConfig(sandbox?.configEnv?.(env) ?? env);
    return {
      config,
      recorder: analyticsRecorder(env.RECORDS as AnalyticsEngineBinding | undefined),
      // SANDBOX=1 only: the relay reaches the sandbox token endpoint in process (no self-fetch).
      fetch:
        sandbox && config.sandbox
          ? sandbox.sandboxAwareFetch(config.relayUrl, (request) => app.fetch(request, env))
          : undefined,
    };
  }

  function depsFor(env: Env): Promise<RelayDeps> {
    let deps = depsByEnv.get(env);
    if (!deps) {
      deps = loadDeps(env);
      depsByEnv.set(env, deps);
      // A broken configuration is re-read on the next request rather than cached.
      deps.catch(() => depsByEnv.delete(env));
    }
    return deps;
  }

  const app = createApp({
    resolveDeps: (c) => depsFor((c.env ?? {}) as Env),
    // The sandbox routes answer 404 unless the env says SANDBOX=1 explicitly.
    mount: sandbox?.mountSandbox,
    // Rate Limiting binding(s) when configured in wrangler.toml; the address is only used hashed.
    clientAddress: (c) => c.req.header("cf-connecting-ip"),
    rateLimit: (c) => workersRateLimit((c.env ?? {}) as Env),
  });
  return app;
}
