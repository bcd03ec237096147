/**
 * Rate limiting that stores nothing identifying (src/web/rate-limit.ts; checklist #64-#66):
 * request N+1 gets 429 with Retry-After, the security headers and a clear message, and never
 * reaches crypto or the token endpoint; the limiter only ever sees an HMAC of the address; memory
 * is bounded; the Node entry (RATE_LIMIT) and the Workers binding path both work.
 */
import type { Context } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import { startNodeRelay } from "../../src/node.js";
import { LineRecorder } from "../../src/records.js";
import {
  clientKeyer,
  fixedWindowLimiter,
  type RateLimitBinding,
  type RateLimiter,
  randomHmacKey,
  workersRateLimit,
} from "../../src/web/rate-limit.js";

const STATE_KEYS = generateStateKeyPair("k1");
const ENV = {
  RELAY_URL: "https://relay.example.com",
  STATE_KEYS,
  APPS: JSON.stringify([{ id: "dropbox", server: "dropbox", client_id: "c" }]),
  CLIENT_SECRET_DROPBOX: "rl-secret",
};
const IP = "203.0.113.7";
const OTHER_IP = "198.51.100.9";

async function instanceKey(): Promise<JsonWebKey> {
  const pair = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const { kty, crv, x } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { kty, crv, x };
}

function spy(inner: RateLimiter): RateLimiter & { keys: string[] } {
  const keys: string[] = [];
  return {
    keys,
    limit: (key) => {
      keys.push(key);
      return inner.limit(key);
    },
  };
}

async function harness(apiLimit: number, callbackLimit: number) {
  const config = await loadConfig(ENV);
  const calls: string[] = [];
  const fetchFake = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    return Response.json({ access_token: "at", token_type: "bearer" });
  }) as typeof fetch;
  const api = spy(fixedWindowLimiter({ limit: apiLimit }));
  const callback = spy(fixedWindowLimiter({ limit: callbackLimit }));
  const setup = { api, callback, clientKey: clientKeyer(randomHmacKey()), retryAfterSeconds: 60 };
  const app = createApp({
    resolveDeps: async () => ({ config, recorder: new LineRecorder(() => {}), fetch: fetchFake }),
    // Test stand-in for the socket address: in production it is never a request header on Node.
    clientAddress: (c: Context) => c.req.header("x-test-client"),
    rateLimit: () => setup,
  });
  const key = await instanceKey();
  const startFlow = (ip: string) =>
    app.request("/v1/flows", {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-client": ip },
      body: JSON.stringify({
        app: "dropbox",
        return_to: "http://127.0.0.1:8011/cb",
        state: "nonce-0123456789abcdefghij",
        key,
        response_mode: "query",
      }),
    });
  return { app, calls, api, callback, startFlow };
}

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("set-cookie")).toBeNull();
  for (const name of response.headers.keys()) expect(name.startsWith("access-control-")).toBe(false);
}

describe("rate limiting in the app", () => {
  it("POST /v1/flows: request N+1 from one client gets a JSON 429 with Retry-After and the headers", async () => {
    const h = await harness(3, 2);
    for (let i = 0; i < 3; i++) expect((await h.startFlow(IP)).status).toBe(201);
    const limited = await h.startFlow(IP);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("content-type")).toMatch(/^application\/json/);
    expectSecurityHeaders(limited);
    const body = (await limited.json()) as { error: string; error_description: string };
    expect(body.error).toBe("temporarily_unavailable");
    expect(body.error_description).toMatch(/too many requests.*retry after 60 seconds/);
    // Another client is not affected.
    expect((await h.startFlow(OTHER_IP)).status).toBe(201);
  });

  it("callback: N+1 gets a 429 HTML page and no token-endpoint request, even with a valid state and code", async () => {
    const h = await harness(10, 2);
    const { authorization_url } = (await (await h.startFlow(IP)).json()) as { authorization_url: string };
    const state = new URL(authorization_url).searchParams.get("state") ?? "";
    const callback = () =>
      h.app.request(`/v1/callback/dropbox?code=c&state=${encodeURIComponent(state)}`, {
        headers: { "x-test-client": IP },
      });
    expect((await callback()).status).toBe(303);
    expect((await callback()).status).toBe(303);
    expect(h.calls).toHaveLength(2);
    const limited = await callback();
    expect(limited.status).toBe(429);
    expect(h.calls).toHaveLength(2);
    expect(limited.headers.get("location")).toBeNull();
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("content-type")).toMatch(/^text\/html/);
    expect(limited.headers.get("x-frame-options")).toBe("DENY");
    expect(limited.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expectSecurityHeaders(limited);
    const html = await limited.text();
    expect(html).toContain("Too many requests");
    expect(html).not.toContain(state);
    // Callbacks are limited separately (tighter) from API calls.
    expect(h.callback.keys).toHaveLength(3);
  });

  it("the limiter never sees the raw address: keys are stable 128-bit HMACs, distinct per client", async () => {
    const h = await harness(100, 100);
    await h.startFlow(IP);
    await h.startFlow(IP);
    await h.startFlow(OTHER_IP);
    const [k1, k2, k3] = h.api.keys;
    for (const key of h.api.keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(key).not.toContain(IP);
      expect(key).not.toContain(OTHER_IP);
      expect(key).not.toContain("203");
    }
    expect(k1).toBe(k2);
    expect(k3).not.toBe(k1);
  });

  it("routes that cost nothing are not limited; the limit applies before the body is read", async () => {
    const h = await harness(1, 1);
    await h.startFlow(IP);
    for (let i = 0; i < 5; i++) {
      expect((await h.app.request("/healthz", { headers: { "x-test-client": IP } })).status).toBe(200);
      expect((await h.app.request("/v1/apps", { headers: { "x-test-client": IP } })).status).toBe(200);
    }
    // Over the limit, even an oversized body is refused with 429 without being read (not 413).
    const big = await h.app.request("/v1/token/dropbox", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-test-client": IP },
      body: `grant_type=refresh_token&refresh_token=${"r".repeat(20_000)}`,
    });
    expect(big.status).toBe(429);
    expect(h.calls).toHaveLength(0);
  });
});

describe("fixed-window limiter", () => {
  it("counts per key per window and resets when the window rolls over", async () => {
    let now = 1_000_000;
    const limiter = fixedWindowLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(await limiter.limit("a")).toBe(true);
    expect(await limiter.limit("a")).toBe(true);
    expect(await limiter.limit("a")).toBe(false);
    expect(await limiter.limit("b")).toBe(true);
    now += 60_000;
    expect(await limiter.limit("a")).toBe(true);
    expect(limiter.size()).toBe(1);
  });

  it("memory is bounded: past maxKeys, new clients share one overflow bucket", async () => {
    const limiter = fixedWindowLimiter({ limit: 5, maxKeys: 100, now: () => 0 });
    let allowed = 0;
    for (let i = 0; i < 10_000; i++) if (await limiter.limit(`client-${i}`)) allowed += 1;
    expect(limiter.size()).toBeLessThanOrEqual(101);
    // 100 tracked clients once each, plus 5 from the shared overflow bucket.
    expect(allowed).toBe(105);
  });
});

describe("Node entry: RATE_LIMIT", () => {
  afterEach(() => vi.restoreAllMocks());

  it("RATE_LIMIT=2 → the third flow request from the socket address gets 429; nothing is logged", async () => {
    const records: string[] = [];
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const relay = await startNodeRelay({
      env: { ...ENV, RELAY_URL: "http://127.0.0.1:1", PORT: "0", RATE_LIMIT: "2" },
      writeRecord: (line) => records.push(line),
    });
    try {
      const key = await instanceKey();
      const post = () =>
        fetch(`${relay.url}/v1/flows`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            app: "dropbox",
            return_to: "http://127.0.0.1:8011/cb",
            state: "nonce-0123456789abcdefghij",
            key,
          }),
        });
      expect((await post()).status).toBe(201);
      expect((await post()).status).toBe(201);
      const limited = await post();
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("60");
      expect(limited.headers.get("cache-control")).toBe("no-store");
      // Callbacks have their own, tighter limit (default RATE_LIMIT / 2 = 1).
      expect((await fetch(`${relay.url}/v1/callback/dropbox?state=x`)).status).toBe(400);
      expect((await fetch(`${relay.url}/v1/callback/dropbox?state=x`)).status).toBe(429);
    } finally {
      await relay.close();
    }
    expect(records).toEqual([]);
    expect(out.join("")).not.toContain("127.0.0.1");
  });

  it("an invalid RATE_LIMIT fails closed with a message naming it", async () => {
    const attempt = startNodeRelay({ env: { ...ENV, PORT: "0", RATE_LIMIT: "lots" }, writeRecord: () => {} });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/RATE_LIMIT: must be a whole number/);
  });
});

describe("Workers: the Rate Limiting binding", () => {
  function stubBinding(limit: number): RateLimitBinding & { keys: string[] } {
    const counts = new Map<string, number>();
    const keys: string[] = [];
    return {
      keys,
      limit: async ({ key }) => {
        keys.push(key);
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        return { success: count <= limit };
      },
    };
  }

  it("keys the binding by an HMAC derived from STATE_KEYS (same in every isolate), never cf-connecting-ip", async () => {
    const binding = stubBinding(1);
    const env = { ...ENV, RATE_LIMITER: binding };
    const config = await loadConfig(ENV);
    const calls: string[] = [];
    const app = createApp({
      resolveDeps: async () => ({
        config,
        recorder: new LineRecorder(() => {}),
        fetch: (async (input: RequestInfo | URL) => {
          calls.push(String(input));
          return Response.json({});
        }) as typeof fetch,
      }),
      clientAddress: (c) => c.req.header("cf-connecting-ip"),
      rateLimit: () => workersRateLimit(env),
    });
    const request = () => app.request("/v1/callback/dropbox?code=c&state=x", { headers: { "cf-connecting-ip": IP } });
    expect((await request()).status).toBe(400);
    const limited = await request();
    expect(limited.status).toBe(429);
    expectSecurityHeaders(limited);
    expect(calls).toHaveLength(0);
    for (const key of binding.keys) {
      expect(key).toMatch(/^cb:[A-Za-z0-9_-]{22}$/);
      expect(key).not.toContain(IP);
    }
    // A second "isolate" (fresh setup from the same env) derives the same key for the same client.
    const again = workersRateLimit({ ...env });
    expect(await again?.clientKey(IP)).toBe(binding.keys[0]?.slice(3));
    // No binding configured → no limiting at all.
    expect(workersRateLimit(ENV)).toBeUndefined();
  });
});
