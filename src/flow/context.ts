import type { Config } from "../config.js";
import type { Recorder } from "../records.js";
import type { Limits } from "../web/limits.js";

/** What every handler needs, resolved once per request by the entry (Node: fixed; Workers: per env). */
export interface RelayDeps {
  readonly config: Config;
  readonly recorder: Recorder;
  /** Abuse limits and one-use guards; see src/web/limits.ts. */
  readonly limits: Limits;
  /** Upstream fetch; tests and the benchmark swap in an in-memory one. */
  readonly fetch?: typeof fetch;
  /** Unix seconds. */
  readonly now?: () => number;
}

export type RelayEnv = { Variables: { deps: RelayDeps } };

export function nowSeconds(deps: RelayDeps): number {
  return deps.now ? deps.now() : Math.floor(Date.now() / 1000);
}
