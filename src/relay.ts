/**
 * createRelay: the one place where configuration, dependencies and the app are wired together.
 * Both runtime entries (src/node/, src/workers/), the tests and the benchmark call it; what differs
 * between them is only what they hand in (recorder, limits, client address, upstream fetch).
 */
import type { Context, Hono } from "hono";
import { createApp, type Mount } from "./app.js";
import { type Config, ConfigError } from "./config.js";
import type { RelayDeps, RelayEnv } from "./flow/context.js";
import type { Recorder } from "./records.js";
import type { mountSandbox, sandboxAwareFetch } from "./sandbox/server.js";
import type { Limits } from "./web/limits.js";

/** The built-in sandbox server, handed in by entries that include it (types only here). */
export interface SandboxServer {
  readonly mountSandbox: typeof mountSandbox;
  readonly sandboxAwareFetch: typeof sandboxAwareFetch;
}

export interface RelayParts {
  readonly config: Config;
  readonly recorder: Recorder;
  readonly limits: Limits;
  /** Upstream fetch (tests, benchmark); the runtime's own otherwise. */
  readonly fetch?: typeof fetch;
  /** Unix seconds (tests). */
  readonly now?: () => number;
  /** The client's address, used only hashed (rate limits). */
  readonly clientAddress?: (c: Context) => string | undefined;
  /** Node: Prometheus text for GET /metrics. */
  readonly metrics?: () => string;
  /** Required when the configuration says SANDBOX=1; the production Worker has none. */
  readonly sandbox?: SandboxServer;
  /** The Qorus cloud API bridge's routes, mounted when the configuration says LEGACY_QORUS=1. */
  readonly qorusBridge?: Mount;
}

export const NO_SANDBOX_IN_BUILD =
  "invalid configuration:\n  - SANDBOX: this build has no sandbox server (the production Worker bundle); unset SANDBOX, or for local trials run `npx wrangler dev --env sandbox`";

export function createRelay(parts: RelayParts): Hono<RelayEnv> {
  const { config, sandbox } = parts;
  if (config.sandbox && !sandbox) throw new ConfigError(NO_SANDBOX_IN_BUILD);
  const useSandbox = config.sandbox && sandbox !== undefined;
  const deps: RelayDeps = {
    config,
    recorder: parts.recorder,
    limits: parts.limits,
    // SANDBOX=1: the relay reaches the sandbox token endpoint in process (no fetch to itself).
    fetch: useSandbox
      ? sandbox.sandboxAwareFetch(config.relayUrl, (request) => app.fetch(request), parts.fetch)
      : parts.fetch,
    now: parts.now,
  };
  const mounts: Mount[] = [];
  if (useSandbox) mounts.push((hono) => sandbox.mountSandbox(hono, (c) => c.get("deps")));
  if (config.legacyQorus && parts.qorusBridge) mounts.push(parts.qorusBridge);
  const app = createApp({ deps, metrics: parts.metrics, clientAddress: parts.clientAddress, mounts });
  return app;
}
