/**
 * Shared plumbing for the property-based fuzz suites (test/fuzz/*.test.ts): one in-process relay per
 * return policy (same STATE_KEYS, so states minted under one are valid crypto under the other),
 * a counting fake upstream, a pool of genuinely valid relay states, and the invariants every
 * response must satisfy whatever went in.
 *
 * Reproducibility: every property runs with FUZZ_SEED (default below) and FUZZ_RUNS (default
 * 10_000). fast-check prints the seed and the path of a failing case; re-run with
 * `FUZZ_SEED=<seed> npx vitest run test/fuzz`.
 */
import fc from "fast-check";
import type { Hono } from "hono";
import type { Config } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import type { RelayEnv } from "../../src/flow/context.js";
import { checkReturnTo } from "../../src/flow/return-policy.js";
import { inProcessRelay, NO_LIMITS } from "../harness/relay.js";

export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20260707;
export const FUZZ_RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 10_000;
/** Per-property time limit: generous, because CI machines are shared; each property takes seconds. */
export const FUZZ_TIMEOUT = 240_000;

/** fast-check parameters shared by every property: seeded, reproducible, seed printed on failure. */
export function fuzzParams(offset: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED + offset, numRuns: FUZZ_RUNS, endOnFailure: false, verbose: 1 };
}

export const RELAY_URL = "https://relay.example.com";
export const NOW = 1_790_000_000;
export const SECRETS = {
  dropbox: "sEcReT-dropbox-9f8e7d",
  microsoft: "sEcReT-microsoft-1a2b3c",
  acme: "sEcReT-acme-44zz",
} as const;
export const ACME_TOKEN_ENDPOINT = "https://as.acme.com/token";
export const ACME_ISSUER = "https://as.acme.com";
export const RETURN_ORIGINS = "https://qorus.acme.com,https://*.acme.org,http://192.168.1.20:8011";

export const APPS = [
  { id: "dropbox", server: "dropbox", client_id: "dbx-client" },
  { id: "microsoft", server: "microsoft", client_id: "ms-client", tenant: "common" },
  {
    id: "acme",
    server: {
      id: "acme",
      authorization_endpoint: "https://as.acme.com/authorize",
      token_endpoint: ACME_TOKEN_ENDPOINT,
      issuer: ACME_ISSUER,
      token_endpoint_auth_method: "client_secret_basic",
      pkce: "S256",
      params: { allow: ["prompt", "login_hint"] },
      iss_parameter: true,
    },
    client_id: "acme-client",
    scopes: { default: ["read"], allow: ["read", "write", "files.*"] },
  },
];
export const APP_IDS = APPS.map((app) => app.id);
const SECRET_VALUES: readonly string[] = Object.values(SECRETS);

/** Hand-written values that must never appear unescaped in HTML. */
export const MARKERS = [
  "<x-fuzz-1>",
  '"onx=1',
  "'onx=1",
  "</script><x-fuzz-2>",
  "<img src=x onerror=alert(1)>",
  "javascript:alert(1)",
  "\"><x-fuzz-3 a='",
  "&lt;x-fuzz-4&gt;",
  "\u2028<x-fuzz-5>",
];
export const markerArb = fc.constantFrom(...MARKERS);

/** Strings biased towards hostile content: markers, unicode, control characters, plain text. */
export const hostileString = (maxLength = 64): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: markerArb },
    { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), markerArb).map(([a, m]) => `${a}${m}`) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "\u0000", "%00", "%", "null", "[]", "{}", "__proto__") },
  );

/** A counting fake upstream whose answer each fuzz case may choose. */
export interface Upstream {
  calls: Array<{ url: string; body: string; headers: Record<string, string> }>;
  next: () => Response;
  fetch: typeof fetch;
}

export function tokenResponse(): Response {
  return Response.json({
    access_token: "at-fuzz",
    token_type: "bearer",
    expires_in: 3600,
    refresh_token: "rt-fuzz",
  });
}

export function makeUpstream(): Upstream {
  const upstream: Upstream = {
    calls: [],
    next: tokenResponse,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      upstream.calls.push({ url: request.url, body: await request.text(), headers });
      return upstream.next();
    }) as typeof fetch,
  };
  return upstream;
}

/** Upstream answers a fuzz case can pick: success, RFC 6749 errors, garbage, redirects. */
export const upstreamAnswerArb: fc.Arbitrary<() => Response> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(tokenResponse) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(400, 401, 403, 500, 503), fc.constantFrom("invalid_grant", "invalid_client", "x<y>", ""))
      .map(
        ([status, error]) =>
          () =>
            Response.json({ error, error_description: "<x-fuzz-up>" }, { status }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 200, max: 599 }), fc.string({ maxLength: 200 }))
      .filter(([status]) => ![204, 205, 304].includes(status))
      .map(
        ([status, body]) =>
          () =>
            new Response(`<x-fuzz-upstream>${body}`, { status }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(301, 302, 303, 307, 308)
      .map((status) => () => new Response(null, { status, headers: { location: "https://evil.example/" } })),
  },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => () => new Response(JSON.stringify(value) ?? "null")),
  },
);

export interface Relay {
  readonly app: Hono<RelayEnv>;
  readonly config: Config;
  readonly upstream: Upstream;
  readonly records: string[];
}

/**
 * The relay in process (test/harness/relay.ts) at a fixed clock, its upstream answered by the
 * fuzzer. Limits off and a one-use guard that forgets: the fuzzers exercise input handling with a
 * pool of genuine states used over and over; the one-use rule and the limits have their own tests.
 */
export async function makeRelay(
  stateKeys: string,
  extra: Record<string, string> = {},
  now: () => number = () => NOW,
): Promise<Relay> {
  const upstream = makeUpstream();
  const relay = await inProcessRelay(
    {
      RELAY_URL,
      STATE_KEYS: stateKeys,
      APPS: JSON.stringify(APPS),
      CLIENT_SECRET_DROPBOX: SECRETS.dropbox,
      CLIENT_SECRET_MICROSOFT: SECRETS.microsoft,
      CLIENT_SECRET_ACME: SECRETS.acme,
      RETURN_ORIGINS,
      RATE_LIMIT: "off",
      ...extra,
    },
    { outbound: (request) => upstream.fetch(request), now, limits: NO_LIMITS },
  );
  return { app: relay.app, config: relay.config, upstream, records: relay.records };
}

export function newStateKeys(): string {
  return generateStateKeyPair("k1");
}

export async function publicJwk(crv: "X25519" | "P-256"): Promise<Record<string, string>> {
  const algorithm = crv === "X25519" ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(algorithm, true, ["deriveBits"])) as CryptoKeyPair;
  const { kty, crv: curve, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return y === undefined
    ? { kty: kty ?? "", crv: curve ?? "", x: x ?? "" }
    : { kty: kty ?? "", crv: curve ?? "", x: x ?? "", y };
}

/** A genuinely valid relay state, and what it was minted with. */
export interface MintedState {
  readonly appId: string;
  readonly state: string;
  readonly returnTo: string;
  readonly instanceState: string;
  readonly responseMode: string;
}

/** Return URLs of every kind the policy distinguishes: loopback, listed, https needing confirm. */
export const MINT_RETURNS = [
  "http://127.0.0.1:8011/oauth2/relay",
  "http://localhost:9/cb?x=1",
  "http://[::1]:8011/",
  "https://qorus.acme.com/oauth2/relay",
  "https://eu.acme.org/cb",
  "http://192.168.1.20:8011/oauth2/relay",
  "https://unlisted.example.net/oauth2/relay",
  "https://other.example.com:8443/a/b?c=d",
];

/** Mints a state through the public API (POST /v1/flows): the relay state in the provider URL. */
export async function mintState(
  relay: Relay,
  appId: string,
  returnTo: string,
  responseMode: string,
  key: Record<string, string>,
  instanceState: string,
): Promise<MintedState> {
  const response = await relay.app.request("/v1/flows", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ app: appId, return_to: returnTo, state: instanceState, key, response_mode: responseMode }),
  });
  if (response.status !== 201) throw new Error(`mint failed ${response.status}: ${await response.text()}`);
  const { authorization_url } = (await response.json()) as { authorization_url: string };
  const state = new URL(authorization_url).searchParams.get("state") ?? "";
  return { appId, state, returnTo, instanceState, responseMode };
}

export async function mintPool(relay: Relay): Promise<MintedState[]> {
  const x25519 = await publicJwk("X25519");
  const p256 = await publicJwk("P-256");
  const pool: MintedState[] = [];
  let n = 0;
  for (const appId of APP_IDS) {
    for (const returnTo of MINT_RETURNS) {
      for (const mode of ["form_post", "query", "fragment"]) {
        n += 1;
        const key = n % 2 === 0 ? x25519 : p256;
        // Dropbox caps the state at 500 bytes: P-256 with long return URLs may not fit; skip those.
        try {
          pool.push(await mintState(relay, appId, returnTo, mode, key, `inst-${String(n).padStart(22, "0")}`));
        } catch {
          pool.push(await mintState(relay, appId, returnTo, mode, x25519, `inst-${String(n).padStart(22, "0")}`));
        }
      }
    }
  }
  return pool;
}

/** Flips one character of the ciphertext segment (4th of 5). */
export function tamper(state: string, at: number): string {
  const parts = state.split(".");
  const ct = parts[3] ?? "";
  if (ct.length < 2) return `${state}A`;
  // Never the last character: its low bits may be padding that decoders ignore, so changing only
  // those would give the same bytes (an alias, not a tampering).
  const i = at % (ct.length - 1);
  const ch = ct[i] === "A" ? "B" : "A";
  parts[3] = ct.slice(0, i) + ch + ct.slice(i + 1);
  return parts.join(".");
}

/** Raw forms of the markers: present only if something was reflected without escaping. */
const HTML_FORBIDDEN = ["<x-fuzz", '"onx=', "'onx=", "<img"];

/**
 * The invariants every response must satisfy, whatever the request: security headers, no cookies,
 * no CORS, no 5xx (unless `allow5xx` says the upstream provider produced it), HTML with escaped
 * content only, every non-HTML body JSON.
 */
export async function checkResponse(
  response: Response,
  options: { allow5xx?: boolean; secrets?: readonly string[] } = {},
): Promise<string> {
  const h = response.headers;
  const status = response.status;
  if (!options.allow5xx) ok(status < 500, `status ${status}`);
  ok(h.get("cache-control") === "no-store", "Cache-Control: no-store missing");
  ok(h.get("referrer-policy") === "no-referrer", "Referrer-Policy: no-referrer missing");
  ok(h.get("x-content-type-options") === "nosniff", "X-Content-Type-Options: nosniff missing");
  ok(h.get("set-cookie") === null, "Set-Cookie present");
  for (const name of h.keys()) ok(!name.startsWith("access-control-"), `CORS header ${name}`);
  const body = await response.text();
  const type = h.get("content-type") ?? "";
  if (type.startsWith("text/html")) {
    ok(h.get("x-frame-options") === "DENY", "X-Frame-Options: DENY missing on HTML");
    const csp = h.get("content-security-policy") ?? "";
    ok(csp.includes("default-src 'none'") && csp.includes("frame-ancestors 'none'"), `weak CSP ${csp}`);
    ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), `unsafe CSP ${csp}`);
    for (const needle of HTML_FORBIDDEN) ok(!body.includes(needle), `unescaped ${needle} in HTML`);
    // At most the one nonce'd script of the form_post page.
    const scripts = body.split("<script").length - 1;
    ok(scripts <= 1, "more than one script");
    if (scripts === 1) ok(/<script nonce="[A-Za-z0-9+/=]+">/.test(body), "script without nonce");
  } else if (body.length > 0) {
    ok(type.startsWith("application/json"), `non-HTML body of type ${type}`);
  }
  for (const secret of options.secrets ?? SECRET_VALUES) ok(!body.includes(secret), "client secret in response");
  return body;
}

/**
 * A Location header may only point at a return URL the policy in force accepts: the origin must
 * pass checkReturnTo, and the URL must start with a return_to minted into a valid state. With
 * `directOnly` (every answer but the user's own POST /v1/confirm), only a loopback or listed
 * origin: an unlisted one is never redirected to without the user's confirmation.
 */
export function checkLocation(
  response: Response,
  relay: Relay,
  allowedPrefixes: readonly string[],
  directOnly = true,
): void {
  const location = response.headers.get("location");
  if (location === null) return;
  ok(response.status === 302 || response.status === 303, `redirect status ${response.status}`);
  const { returnPolicy, returnOrigins } = relay.config;
  const origin = new URL(location).origin;
  ok(checkReturnTo(`${origin}/`, returnPolicy, returnOrigins).kind !== "refused", `refused origin: ${location}`);
  const base = allowedPrefixes.find(
    (prefix) => location.startsWith(prefix) && /^[?&#]/.test(location.slice(prefix.length)),
  );
  ok(base !== undefined, `Location ${location} is not a minted return_to`);
  ok(checkReturnTo(base ?? "", returnPolicy, returnOrigins).kind !== "refused", `refused return_to: ${location}`);
  ok(designDecision(base ?? "", returnPolicy) !== "refused", `the return policy refuses return_to: ${location}`);
  if (directOnly) ok(designDecision(base ?? "", returnPolicy) === "direct", `unconfirmed origin: ${location}`);
}

/** A cheap assertion for hot loops (vitest's expect costs ~10 µs a call; these run 10^5 times). */
export function ok(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}

/** Elapsed-time helper so each suite can report its own throughput. */
export function stopwatch(): () => string {
  const start = performance.now();
  return () => `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/**
 * A minimal, cheap stand-in for vitest's `expect` for use inside properties (only the matchers
 * the fuzz suites use). Failures throw, so fast-check shrinks and reports the seed as usual.
 */
export function check(actual: unknown, label = "value") {
  const show = (value: unknown) => {
    try {
      return JSON.stringify(value)?.slice(0, 300) ?? String(value);
    } catch {
      return String(value);
    }
  };
  const fail = (what: string): never => {
    throw new Error(`${label}: expected ${show(actual)} ${what}`);
  };
  const num = () => actual as number;
  return {
    toBe: (expected: unknown) => Object.is(actual, expected) || fail(`to be ${show(expected)}`),
    toEqual: (expected: unknown) => show(actual) === show(expected) || fail(`to equal ${show(expected)}`),
    toBeNull: () => actual === null || fail("to be null"),
    toBeDefined: () => actual !== undefined || fail("to be defined"),
    toBeUndefined: () => actual === undefined || fail("to be undefined"),
    toBeLessThan: (n: number) => num() < n || fail(`to be < ${n}`),
    toBeLessThanOrEqual: (n: number) => num() <= n || fail(`to be <= ${n}`),
    toBeGreaterThan: (n: number) => num() > n || fail(`to be > ${n}`),
    toBeGreaterThanOrEqual: (n: number) => num() >= n || fail(`to be >= ${n}`),
    toContain: (item: unknown) =>
      (actual as { includes(x: unknown): boolean }).includes(item) || fail(`to contain ${show(item)}`),
    toHaveLength: (n: number) => (actual as { length: number }).length === n || fail(`to have length ${n}`),
    toMatch: (re: RegExp) => re.test(String(actual)) || fail(`to match ${re}`),
    not: {
      toBe: (expected: unknown) => !Object.is(actual, expected) || fail(`not to be ${show(expected)}`),
      toBeNull: () => actual !== null || fail("not to be null"),
    },
  };
}

/**
 * An independent oracle for the return policy, written from docs/PROTOCOL.md §4 and docs/SECURITY.md "Consent phishing" for this suite's
 * RETURN_ORIGINS, so a bug in src/flow/return-policy.ts cannot hide behind itself.
 */
export function designDecision(raw: string, policy: "confirm" | "allowlist"): "direct" | "confirm" | "refused" {
  if (raw.length > 512 || !URL.canParse(raw)) return "refused";
  const url = new URL(raw);
  if (url.href !== raw || url.username !== "" || url.password !== "" || raw.includes("#")) return "refused";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "refused";
  if (["127.0.0.1", "[::1]", "localhost"].includes(url.hostname)) return "direct";
  if (url.origin === "https://qorus.acme.com" || url.origin === "http://192.168.1.20:8011") return "direct";
  if (url.protocol === "https:" && url.port === "" && url.hostname.endsWith(".acme.org")) return "direct";
  if (url.protocol !== "https:") return "refused";
  return policy === "confirm" ? "confirm" : "refused";
}
