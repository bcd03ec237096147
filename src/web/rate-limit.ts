/**
 * Rate limiting that stores nothing identifying (checklist #64-#66; RFC 6819 §4.4.1.11).
 *
 * The limiter key is a keyed hash — HMAC-SHA-256 over the UTC day and the client address, under a
 * secret (Node: random per process; Workers: derived from STATE_KEYS with HKDF, so every isolate
 * agrees) — truncated to 128 bits. The raw address is never stored, logged or passed to a limiter;
 * the day in the MAC means keys are not linkable across days.
 *
 * Placement: after the URL-size check and before the body is read, any crypto or any upstream call
 * (the checklist's order syntax → size → rate limit → decrypt → upstream, with the cheap counter
 * moved ahead of body parsing). Callbacks, which cost a provider call each, get the tighter limit.
 *
 * - Workers: the Rate Limiting binding (`env.RATE_LIMITER`, and optionally a tighter
 *   `env.RATE_LIMITER_CALLBACK`), see wrangler.toml. Counters live at Cloudflare, per location.
 * - Node: an optional in-process fixed-window limiter, `RATE_LIMIT=<requests per minute per client>`
 *   (off by default), `RATE_LIMIT_CALLBACK` (default: half of RATE_LIMIT, at least 1). Memory is
 *   bounded: at most MAX_TRACKED_CLIENTS keys per window; past that, new clients share one bucket.
 */
import type { Context, MiddlewareHandler } from "hono";
import { base64url } from "jose";
import { ConfigError, type Env } from "../config.js";
import { htmlPage } from "../flow/deliver.js";
import { apiError } from "./api-error.js";
import { messagePage } from "./pages.js";

/** `true`: the request may proceed; `false`: over the limit. */
export interface RateLimiter {
  limit(key: string): Promise<boolean>;
}

export interface RateLimitSetup {
  /** POST /v1/flows, GET /v1/confirm, POST /v1/token/<app>. */
  readonly api?: RateLimiter;
  /** GET|POST /v1/callback/<app>: tighter, each one costs a provider call. */
  readonly callback?: RateLimiter;
  /** Turns a client address into the opaque limiter key. */
  readonly clientKey: (address: string) => Promise<string>;
  /** Sent as Retry-After on 429 answers. */
  readonly retryAfterSeconds: number;
}

/** HMAC-SHA-256(secret, UTC day ‖ address), 128 bits, base64url: the only form an address takes. */
export function clientKeyer(
  hmacKey: Promise<CryptoKey>,
  now: () => number = Date.now,
): (address: string) => Promise<string> {
  const encoder = new TextEncoder();
  return async (address) => {
    const day = Math.floor(now() / 86_400_000);
    const mac = await crypto.subtle.sign("HMAC", await hmacKey, encoder.encode(`${day}\n${address}`));
    return base64url.encode(new Uint8Array(mac, 0, 16));
  };
}

/** Node: a fresh random HMAC key per process (keys mean nothing outside it, and die with it). */
export function randomHmacKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
}

/**
 * Workers: an HMAC key derived from the current STATE_KEYS key with HKDF-SHA-256 under its own label
 * (key separation, checklist #57), so every isolate and location computes the same limiter keys.
 */
export async function derivedHmacKey(stateKeys: string): Promise<CryptoKey> {
  const first = stateKeys.split(",")[0]?.trim() ?? "";
  const material = base64url.decode(first.slice(first.indexOf(":") + 1));
  const ikm = await crypto.subtle.importKey("raw", material as Uint8Array<ArrayBuffer>, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode("qorus-oauth-relay/rate-limit/v1"),
    },
    ikm,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}

/** The Workers Rate Limiting binding, as far as the relay uses it. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export function bindingLimiter(binding: RateLimitBinding, prefix = ""): RateLimiter {
  return { limit: async (key) => (await binding.limit({ key: `${prefix}${key}` })).success };
}

/** Keys tracked per window before new clients are pooled into one shared bucket. */
export const MAX_TRACKED_CLIENTS = 50_000;
const OVERFLOW_KEY = "\u0000overflow";

/**
 * Fixed-window counter: at most `limit` requests per key per `windowMs`, windows aligned to the
 * clock, all counters dropped when a window ends. Memory is bounded by `maxKeys`: once full, unknown
 * keys share one overflow bucket (so flooding with many addresses throttles the newcomers, not the
 * relay's memory).
 */
export function fixedWindowLimiter(options: {
  limit: number;
  windowMs?: number;
  maxKeys?: number;
  now?: () => number;
}): RateLimiter & { readonly size: () => number } {
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? MAX_TRACKED_CLIENTS;
  const now = options.now ?? Date.now;
  let window = -1;
  const counts = new Map<string, number>();
  return {
    size: () => counts.size,
    limit: async (key) => {
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

function positiveInteger(env: Env, name: string): number | undefined {
  const raw = typeof env[name] === "string" ? (env[name] as string).trim() : "";
  if (raw === "" || raw === "0") return undefined;
  const value = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1))
    throw new ConfigError(
      `invalid configuration:\n  - ${name}: must be a whole number of requests per minute (1-9999999), or 0/unset for no limit`,
    );
  return value;
}

/** Node: `RATE_LIMIT` / `RATE_LIMIT_CALLBACK` → an in-process setup, or undefined when off. */
export function nodeRateLimit(env: Env): RateLimitSetup | undefined {
  const api = positiveInteger(env, "RATE_LIMIT");
  if (api === undefined) return undefined;
  const callback = positiveInteger(env, "RATE_LIMIT_CALLBACK") ?? Math.max(1, Math.floor(api / 2));
  return {
    api: fixedWindowLimiter({ limit: api }),
    callback: fixedWindowLimiter({ limit: callback }),
    clientKey: clientKeyer(randomHmacKey()),
    retryAfterSeconds: 60,
  };
}

const hmacByStateKeys = new Map<string, Promise<CryptoKey>>();

/** Workers: the bindings from `env`, when configured; undefined otherwise (no limiting). */
export function workersRateLimit(env: Env): RateLimitSetup | undefined {
  const api = env.RATE_LIMITER as RateLimitBinding | undefined;
  const callback = (env.RATE_LIMITER_CALLBACK as RateLimitBinding | undefined) ?? api;
  const stateKeys = typeof env.STATE_KEYS === "string" ? env.STATE_KEYS : "";
  if (!api || typeof api.limit !== "function" || stateKeys === "") return undefined;
  let hmacKey = hmacByStateKeys.get(stateKeys);
  if (!hmacKey) {
    hmacKey = derivedHmacKey(stateKeys);
    hmacByStateKeys.clear();
    hmacByStateKeys.set(stateKeys, hmacKey);
  }
  return {
    api: bindingLimiter(api, "api:"),
    callback: callback ? bindingLimiter(callback, "cb:") : undefined,
    clientKey: clientKeyer(hmacKey),
    retryAfterSeconds: 60,
  };
}

type RouteClass = "api" | "callback" | null;

function routeClass(c: Context): RouteClass {
  const path = c.req.path;
  if (path.startsWith("/v1/callback/")) return "callback";
  if (path === "/v1/flows" || path === "/v1/confirm" || path.startsWith("/v1/token/")) return "api";
  return null;
}

/**
 * The middleware: picks the limiter by route, keys it by the hashed client address, and answers
 * 429 — an HTML page for the browser-facing callback and confirm routes, JSON for API callers —
 * with Retry-After and the usual security headers (set by the outer middleware).
 */
export function rateLimitMiddleware(
  setup: (c: Context) => RateLimitSetup | undefined,
  clientAddress: (c: Context) => string | undefined,
): MiddlewareHandler {
  return async (c, next) => {
    const kind = routeClass(c);
    const limits = kind === null ? undefined : setup(c);
    const limiter = kind === null ? undefined : limits?.[kind];
    if (!limits || !limiter) return next();
    const key = await limits.clientKey(clientAddress(c) ?? "unknown");
    if (await limiter.limit(key)) return next();
    c.header("Retry-After", String(limits.retryAfterSeconds));
    if (kind === "callback" || c.req.path === "/v1/confirm") {
      return htmlPage(
        c,
        messagePage(
          "Too many requests",
          `This relay is receiving too many requests from your network. Wait ${limits.retryAfterSeconds} seconds, then start the connection again from your application.`,
        ),
        429,
      );
    }
    return apiError(
      c,
      429,
      "temporarily_unavailable",
      `too many requests from this client; retry after ${limits.retryAfterSeconds} seconds`,
    );
  };
}
