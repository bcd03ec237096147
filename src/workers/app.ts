/**
 * The Cloudflare Workers handler, shared by the Workers entries (src/workers/relay.ts, the one
 * `wrangler deploy` bundles, and src/workers/sandbox.ts for `wrangler dev --env sandbox`).
 * Configuration comes from vars and secrets in `env`; it is validated once per env object and, if
 * invalid, every request fails closed with a 500 naming the variable. Records go to Workers
 * Analytics Engine when a RECORDS binding exists; limits are the Rate Limiting bindings.
 */
import { Hono } from "hono/tiny";
import type { Mount } from "../app.js";
import { ConfigError, type Env, loadConfig } from "../config.js";
import { createRelay, type SandboxServer } from "../relay.js";
import { apiError } from "../web/api-error.js";
import { securityHeaders } from "../web/security-headers.js";
import { type AnalyticsEngineBinding, analyticsRecorder } from "./analytics-recorder.js";
import { workersLimits } from "./limits.js";

type Handler = (request: Request) => Response | Promise<Response>;

export interface WorkerOptions {
  /** The sandbox server (the `--env sandbox` entry only); the production bundle has none. */
  readonly sandbox?: SandboxServer;
  /** The Qorus cloud API bridge (its own entry, so the relay's bundle does not carry the YAML parser). */
  readonly qorusBridge?: Mount;
  /** What the configuration is read from instead of `env` (zero-config defaults for local trials). */
  readonly configEnv?: (env: Env) => Env;
}

/** Every request answered 500 with the configuration problem (names only, never a value). */
function failClosed(message: string): Handler {
  const app = new Hono();
  app.use(securityHeaders);
  app.all("*", (c) => apiError(c, 500, "server_error", `relay ${message}`));
  return (request) => app.fetch(request);
}

export function createWorker(options: WorkerOptions = {}): { fetch(request: Request, env: Env): Promise<Response> } {
  const relays = new WeakMap<object, Promise<Handler>>();

  async function build(env: Env): Promise<Handler> {
    try {
      const config = await loadConfig(options.configEnv?.(env) ?? env);
      const app = createRelay({
        config,
        recorder: analyticsRecorder(env.RECORDS as AnalyticsEngineBinding | undefined),
        limits: workersLimits(config, env),
        // The address is only ever used hashed (src/crypto/keyed-hash.ts).
        clientAddress: (c) => c.req.header("cf-connecting-ip"),
        sandbox: options.sandbox,
        qorusBridge: options.qorusBridge,
      });
      return (request) => app.fetch(request);
    } catch (error) {
      if (error instanceof ConfigError) return failClosed(error.message);
      throw error;
    }
  }

  function relayFor(env: Env): Promise<Handler> {
    let relay = relays.get(env);
    if (!relay) {
      relay = build(env);
      relays.set(env, relay);
      // A broken configuration is read again on the next request rather than kept.
      relay.then(
        (handler) => handler,
        () => relays.delete(env),
      );
    }
    return relay;
  }

  return {
    fetch: async (request, env) => (await relayFor(env ?? {}))(request),
  };
}
