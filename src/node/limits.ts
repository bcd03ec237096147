/**
 * Node's abuse limits: in-process fixed-window counters and an in-memory one-use guard, both
 * bounded in memory. Per process: several replicas behind a load balancer each count on their own
 * (docs/OPERATIONS.md says what that means for the limits and the one-use rule).
 */
import type { Config } from "../config.js";
import type { Counter, Limits, OnceGuard } from "../web/limits.js";

/** Keys tracked per window before new clients are pooled into one shared bucket. */
export const MAX_TRACKED_CLIENTS = 50_000;
const OVERFLOW_KEY = "\u0000overflow";

/**
 * Fixed-window counter: at most `limit` hits per key per `windowMs`, windows aligned to the clock,
 * all counters dropped when a window ends. Memory is bounded by `maxKeys`: once full, unknown keys
 * share one overflow bucket (so flooding with many addresses throttles the newcomers, not the
 * relay's memory).
 */
export function fixedWindowCounter(options: {
  limit: number;
  windowMs?: number;
  maxKeys?: number;
  now?: () => number;
}): Counter & { readonly size: () => number } {
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? MAX_TRACKED_CLIENTS;
  const now = options.now ?? Date.now;
  let window = -1;
  const counts = new Map<string, number>();
  return {
    size: () => counts.size,
    hit: async (key) => {
      const current = Math.floor(now() / windowMs);
      if (current !== window) {
        window = current;
        counts.clear();
      }
      const bucket = counts.has(key) || counts.size < maxKeys ? key : OVERFLOW_KEY;
      const count = (counts.get(bucket) ?? 0) + 1;
      counts.set(bucket, count);
      return count <= options.limit;
    },
  };
}

/** How many used states and pending objects one process remembers at once. */
export const MAX_REMEMBERED = 200_000;

/**
 * The one-use guard in memory: keyed hashes with their expiry (unix seconds). Expired entries are
 * swept when the map fills up, and at most every `sweepEvery` claims; a full map refuses new claims
 * (`full`) rather than forgetting a live entry, which would re-open it for replay.
 */
export function memoryOnceGuard(options: { maxEntries?: number; now?: () => number } = {}): OnceGuard & {
  readonly size: () => number;
} {
  const maxEntries = options.maxEntries ?? MAX_REMEMBERED;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const used = new Map<string, number>();
  let claimsSinceSweep = 0;
  const sweep = () => {
    const at = now();
    for (const [key, expiresAt] of used) if (expiresAt < at) used.delete(key);
    claimsSinceSweep = 0;
  };
  return {
    size: () => used.size,
    claim: async (key, expiresAt) => {
      if (++claimsSinceSweep >= 10_000 || used.size >= maxEntries) sweep();
      const seen = used.get(key);
      if (seen !== undefined && seen >= now()) return "used";
      if (used.size >= maxEntries) return "full";
      used.set(key, expiresAt);
      return "first";
    },
  };
}

/** `Limits` for one Node process from the configuration (the one-use guard is always on). */
export function nodeLimits(config: Config, now?: () => number): Limits {
  const once = memoryOnceGuard();
  const { rateLimits } = config;
  if (!rateLimits.enabled) return { perClient: {}, once, retryAfterSeconds: 60 };
  const counter = (limit: number) => fixedWindowCounter({ limit, now });
  return {
    perClient: {
      flows: counter(rateLimits.perMinute.flows),
      refresh: counter(rateLimits.perMinute.refresh),
      callback: counter(rateLimits.perMinute.callback),
      confirm: counter(rateLimits.perMinute.confirm),
    },
    upstream: counter(rateLimits.upstreamPerApp),
    once,
    retryAfterSeconds: 60,
  };
}
