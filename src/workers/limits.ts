/**
 * Workers' abuse limits: the Rate Limiting bindings declared in wrangler.toml. Counters live at
 * Cloudflare, per location, and are best effort by design (eventually consistent, not exact
 * accounting): docs/SECURITY.md "Abuse limits" says what that leaves open.
 *
 * - RATE_LIMITER: flow starts and refreshes per client;
 * - RATE_LIMITER_CALLBACK: callbacks and confirmations per client;
 * - RATE_LIMITER_UPSTREAM: token-endpoint calls per app;
 * - RATE_LIMITER_ONCE (limit 1 per period): the one-use guard for relay states and pending objects.
 *   A key is refused for the rest of the binding's period (60 s) after its first use, in the
 *   location that saw it; this stops replays in bulk, not a patient attacker spacing replays a
 *   minute apart, whom the per-client and per-app limits bound instead.
 */
import { type Config, ConfigError, type Env } from "../config.js";
import type { Counter, Limits, OnceGuard } from "../web/limits.js";

/** The Workers Rate Limiting binding, as far as the relay uses it. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export const LIMIT_BINDINGS = ["RATE_LIMITER", "RATE_LIMITER_CALLBACK", "RATE_LIMITER_UPSTREAM", "RATE_LIMITER_ONCE"];

function binding(env: Env, name: string): RateLimitBinding | undefined {
  const value = env[name] as Partial<RateLimitBinding> | undefined;
  return typeof value?.limit === "function" ? (value as RateLimitBinding) : undefined;
}

function counter(limiter: RateLimitBinding): Counter {
  return { hit: async (key) => (await limiter.limit({ key })).success };
}

function onceGuard(limiter: RateLimitBinding | undefined): OnceGuard {
  if (!limiter) return { claim: async () => "first" };
  return { claim: async (key) => ((await limiter.limit({ key })).success ? "first" : "used") };
}

/**
 * `Limits` from the bindings in `env`. Limits are on unless RATE_LIMIT=off, and then every binding
 * must be there: a missing one fails closed, naming it. On Workers the numbers are the bindings'
 * own (wrangler.toml), so RATE_LIMIT may only be unset or `off`. Bindings are runtime objects, not
 * variables: the configuration module reads the variables, this reads the bindings.
 */
export function workersLimits(config: Config, env: Env): Limits {
  if (!config.rateLimits.enabled)
    return { perClient: {}, once: onceGuard(binding(env, "RATE_LIMITER_ONCE")), retryAfterSeconds: 60 };
  const problems: string[] = [];
  for (const name of config.rateLimits.setBy)
    problems.push(
      `${name}: on Workers the limits are set in wrangler.toml [[ratelimits]]; leave it unset (RATE_LIMIT may be off)`,
    );
  const missing = LIMIT_BINDINGS.filter((name) => binding(env, name) === undefined);
  if (missing.length > 0)
    problems.push(
      `${missing.join(", ")}: rate-limit binding${missing.length > 1 ? "s" : ""} missing; declare ${missing.length > 1 ? "them" : "it"} in wrangler.toml ([[ratelimits]], see the shipped file) or set RATE_LIMIT=off`,
    );
  const [api, browser, upstream, once] = LIMIT_BINDINGS.map((name) => binding(env, name));
  if (problems.length > 0 || !api || !browser || !upstream || !once)
    throw new ConfigError(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return {
    perClient: { flows: counter(api), refresh: counter(api), callback: counter(browser), confirm: counter(browser) },
    upstream: counter(upstream),
    once: onceGuard(once),
    retryAfterSeconds: 60,
  };
}
