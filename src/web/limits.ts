/**
 * Abuse limits, the runtime-neutral part (RFC 6819 §4.4.1.11; RFC 9700 §4.11): what a limiter is,
 * which routes are limited, and the middleware that answers 429. The counters themselves are the
 * runtime's: in-process on Node (src/node/limits.ts), the Rate Limiting bindings on Workers
 * (src/workers/limits.ts).
 *
 * Nothing here ever sees a client address in the clear beyond hashing it: limiter keys are keyed
 * hashes (src/crypto/keyed-hash.ts) of the UTC day and the address, so they identify no one, are
 * not linkable across days, and are never stored outside the counter or printed.
 */
import type { Context, MiddlewareHandler } from "hono";
import { apiError } from "./api-error.js";
import { htmlPage, messagePage } from "./pages.js";

/** A counter: `true` while the key is within its limit, `false` once over it. */
export interface Counter {
  hit(key: string): Promise<boolean>;
}

/**
 * Remembers what was used once (a relay state at the callback, a pending object at the
 * confirmation), by keyed hash, until `expiresAt` (unix seconds). `claim` answers `first` the first
 * time, `used` after that, and `full` when it cannot remember more (the caller then refuses).
 */
export interface OnceGuard {
  claim(key: string, expiresAt: number): Promise<"first" | "used" | "full">;
}

/** The routes limited per client; each one can make the relay call a token endpoint. */
export type LimitedRoute = "flows" | "callback" | "confirm" | "refresh";

export interface Limits {
  /** Per-client counters by route; a route without one is not limited. */
  readonly perClient: Partial<Record<LimitedRoute, Counter>>;
  /** Upstream token-endpoint calls, keyed by app id (all clients together). */
  readonly upstream?: Counter;
  readonly once: OnceGuard;
  /** Sent as Retry-After on 429 answers. */
  readonly retryAfterSeconds: number;
}

/** Which limited route a request is for, by path (the legacy bridge's routes count as theirs). */
export function limitedRoute(path: string): LimitedRoute | null {
  if (path.startsWith("/v1/callback/") || path === "/qorus-oauth2-redirect") return "callback";
  if (path === "/v1/confirm" || path === "/qorus-oauth2-redirect/confirm") return "confirm";
  if (path === "/v1/flows") return "flows";
  if (path.startsWith("/v1/token/") || path === "/qorus-api/token") return "refresh";
  return null;
}

const BROWSER_ROUTES: ReadonlySet<LimitedRoute> = new Set(["callback", "confirm"]);

export function tooManyRequests(c: Context, limits: Limits, browser: boolean): Response | Promise<Response> {
  c.header("Retry-After", String(limits.retryAfterSeconds));
  if (browser) {
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
}

/**
 * Counts the request against its route's per-client limit before the body is read, any crypto or
 * any upstream call (the cheap refusal first): a browser page for the callback and confirmation,
 * JSON for API callers, both with Retry-After.
 */
export function perClientLimit(
  limits: (c: Context) => Limits | undefined,
  clientKey: (c: Context) => Promise<string>,
): MiddlewareHandler {
  return async (c, next) => {
    const route = limitedRoute(c.req.path);
    const active = route === null ? undefined : limits(c);
    const counter = route === null ? undefined : active?.perClient[route];
    if (route === null || !active || !counter) return next();
    if (await counter.hit(`${route}:${await clientKey(c)}`)) return next();
    return tooManyRequests(c, active, BROWSER_ROUTES.has(route));
  };
}
