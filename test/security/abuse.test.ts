/**
 * The relay must not be usable against the people it serves (RFC 9700 §4.11, §4.2; RFC 6819
 * §4.4.1.11). Each attack is tried as an attacker would, on Node and on workerd, with the abuse
 * limits as shipped (Node's defaults; wrangler.toml's bindings):
 *
 * - consent phishing: an attacker's flow forwarded to a victim — the provider first, then only the
 *   relay's confirmation page; nothing exchanged or sent until the victim's own POST from that page;
 * - open redirect: a forged error callback and the old `GET …&action=cancel` link redirect nowhere;
 * - forged or cross-site confirmations: refused before anything else;
 * - replayed relay states and pending objects: one exchange each, then the uniform invalid page;
 * - made-up codes and refresh tokens: a single client cannot multiply client-authenticated token
 *   requests past the per-client limits, and all clients together not past the per-app ceiling.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { clientAddressKey, keyedHash } from "../../src/crypto/keyed-hash.js";
import { fixedWindowCounter, memoryOnceGuard, nodeLimits } from "../../src/node/limits.js";
import { startNodeRelay } from "../../src/node/server.js";
import { LIMIT_BINDINGS, workersLimits } from "../../src/workers/limits.js";
import { json } from "../fakes/http.js";
import { genericApp } from "../harness/generic-app.js";
import {
  answerConfirmation,
  newInstanceKey,
  newInstanceState,
  readConfirmation,
  readDelivery,
  refresh,
  sameOriginHeaders,
  startFlow,
} from "../harness/instance.js";
import { newStateKeys, type RelayUnderTest, RUNTIMES, type Runtime, startRelay } from "../harness/relay.js";

const RELAY_URL = "https://relay.example.test";
const ATTACKER_ORIGIN = "https://attacker.example";
const ATTACKER_RETURN = `${ATTACKER_ORIGIN}/collect`;
const LOOPBACK_RETURN = "http://127.0.0.1:8011/oauth2/relay";
const AS = "https://as.acme.test";
const VICTIM_CODE = "victim-code-0123456789";
const ENV = {
  RELAY_URL,
  APPS: JSON.stringify([
    genericApp("acme", AS, {
      method: "client_secret_post",
      app: { name: "Acme", scopes: { default: ["read"], allow: ["read"] } },
    }),
  ]),
  CLIENT_SECRET_ACME: "acme-secret-sentinel",
};

/** The provider's token endpoint: counts every client-authenticated request it receives. */
function tokenEndpoint(calls: string[]) {
  return async (request: Request): Promise<Response> => {
    const form = new URLSearchParams(await request.text());
    calls.push(form.get("code") ?? form.get("refresh_token") ?? "?");
    if (form.get("code") === VICTIM_CODE) return json({ access_token: "victim-access", token_type: "Bearer" });
    return json({ error: "invalid_grant" }, 400);
  };
}

describe.each(RUNTIMES)("attacks on %s", (runtime: Runtime) => {
  let relay: RelayUnderTest;
  let calls: string[];

  async function start(extra: Record<string, string> = {}): Promise<void> {
    calls = [];
    relay = await startRelay(
      runtime,
      { ...ENV, STATE_KEYS: newStateKeys(), ...extra },
      { outbound: tokenEndpoint(calls) },
    );
  }

  afterEach(async () => {
    await relay?.close();
  });

  const callback = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${relay.url}/v1/callback/acme?${new URLSearchParams(params)}`, { redirect: "manual", headers });

  it("a forwarded provider link: the victim's consent ends on the relay's page; nothing exchanged or sent", async () => {
    await start();
    // The attacker starts a flow with their own key and return URL…
    const attacker = await startFlow(relay.url, { app: "acme", return_to: ATTACKER_RETURN, response_mode: "query" });
    // …and the link they can forward is the provider's own: there is no relay page to skip.
    expect(attacker.authorizationUrl.startsWith(`${AS}/authorize?`)).toBe(true);
    // The victim consents at the provider, which sends the victim's browser to the callback.
    const page = await callback({ code: VICTIM_CODE, state: attacker.relayState });
    expect(page.status).toBe(200);
    expect(page.headers.get("location")).toBeNull();
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("content-security-policy")).toContain(`form-action ${RELAY_URL}`);
    const confirmation = await readConfirmation(page);
    expect(confirmation.text).toContain(`Send your Acme access to ${ATTACKER_ORIGIN}?`);
    expect(confirmation.action).toBe(`${RELAY_URL}/v1/confirm`);
    expect(calls).toEqual([]);
    // The attacker's own site cannot answer for the victim: a cross-site POST is refused…
    const crossSite: Array<Record<string, string>> = [
      { origin: ATTACKER_ORIGIN, "sec-fetch-site": "cross-site" },
      { origin: "null", "sec-fetch-site": "cross-site" },
      {},
    ];
    for (const headers of crossSite) {
      const forged = await answerConfirmation(relay.url, confirmation, "send", headers);
      expect(forged.status).toBe(403);
      expect(forged.headers.get("location")).toBeNull();
    }
    // …and a made-up pending object from the relay's own origin gets the uniform invalid page.
    const madeUp = await answerConfirmation(
      relay.url,
      { ...confirmation, pending: `${confirmation.pending.slice(0, -4)}AAAA` },
      "send",
      sameOriginHeaders(RELAY_URL),
    );
    expect(madeUp.status).toBe(400);
    expect(calls).toEqual([]);
    // Only the victim, choosing Send on the page, would deliver; choosing Cancel sends nothing.
    const cancelled = await answerConfirmation(relay.url, confirmation, "cancel", sameOriginHeaders(RELAY_URL));
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get("location")).toBeNull();
    expect(await cancelled.text()).toContain(`Nothing was sent to ${ATTACKER_ORIGIN}`);
    expect(calls).toEqual([]);
  });

  it("no open redirect: a forged error callback shows the page; the old GET cancel link is gone", async () => {
    await start();
    const attacker = await startFlow(relay.url, { app: "acme", return_to: ATTACKER_RETURN, response_mode: "query" });
    const forged = await callback({ error: "access_denied", state: attacker.relayState });
    expect(forged.status).toBe(200);
    expect(forged.headers.get("location")).toBeNull();
    expect((await readConfirmation(forged)).text).toContain(ATTACKER_ORIGIN);
    const oldLink = await fetch(`${relay.url}/v1/confirm?state=${attacker.relayState}&action=cancel`, {
      redirect: "manual",
    });
    expect(oldLink.status).toBe(405);
    expect(oldLink.headers.get("location")).toBeNull();
    expect(calls).toEqual([]);
  });

  it("a replayed relay state: one exchange, then the uniform invalid page, also with made-up codes", async () => {
    await start();
    const flow = await startFlow(relay.url, { app: "acme", return_to: LOOPBACK_RETURN, response_mode: "query" });
    const first = await readDelivery(await callback({ code: VICTIM_CODE, state: flow.relayState }));
    expect(first.fields.result).toBeDefined();
    for (let i = 0; i < 30; i++) {
      const replay = await callback({ code: i === 0 ? VICTIM_CODE : `made-up-${i}`, state: flow.relayState });
      // The invalid page, or past 20 callbacks a minute the per-client limit: refused either way.
      expect([400, 429]).toContain(replay.status);
      expect(replay.headers.get("location")).toBeNull();
      await replay.body?.cancel();
    }
    expect(calls).toEqual([VICTIM_CODE]);
  });

  it("a replayed pending object: Send works once", async () => {
    await start();
    const flow = await startFlow(relay.url, { app: "acme", return_to: ATTACKER_RETURN, response_mode: "query" });
    const confirmation = await readConfirmation(await callback({ code: VICTIM_CODE, state: flow.relayState }));
    const sent = await readDelivery(await answerConfirmation(relay.url, confirmation, "send"));
    expect(sent.target).toBe(ATTACKER_RETURN);
    for (const decision of ["send", "send", "cancel"] as const) {
      const again = await answerConfirmation(relay.url, confirmation, decision);
      expect(again.status).toBe(400);
      expect(again.headers.get("location")).toBeNull();
    }
    expect(calls).toEqual([VICTIM_CODE]);
  });

  it("made-up codes on self-minted states: 429 before one client passes 20 token requests a minute", async () => {
    await start();
    const client = { "cf-connecting-ip": "198.51.100.7" };
    const key = await newInstanceKey();
    const states: string[] = [];
    let refusedStarts = 0;
    for (let i = 0; i < 25; i++) {
      try {
        const flow = await startFlow(
          relay.url,
          { app: "acme", return_to: LOOPBACK_RETURN, response_mode: "query" },
          { key, headers: client },
        );
        states.push(flow.relayState);
      } catch (error) {
        expect(String(error)).toContain("429");
        refusedStarts++;
      }
    }
    expect(states.length).toBeLessThanOrEqual(20);
    expect(refusedStarts).toBeGreaterThan(0);
    let limited = 0;
    for (let i = 0; i < 30; i++) {
      const response = await callback({ code: `made-up-${i}`, state: states[i % states.length] ?? "" }, client);
      if (response.status === 429) {
        limited++;
        expect(response.headers.get("retry-after")).toBe("60");
        expect(await response.text()).toContain("Too many requests");
      } else await response.body?.cancel();
    }
    expect(limited).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(20);
  });

  it("made-up refresh tokens: 429 before one client passes 20 token requests a minute", async () => {
    await start();
    const client = { "cf-connecting-ip": "198.51.100.8" };
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await refresh(relay.url, "acme", `made-up-refresh-${i}`, {}, client);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get("retry-after")).toBe("60");
        expect(((await response.json()) as { error: string }).error).toBe("temporarily_unavailable");
      } else await response.body?.cancel();
    }
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(20);
    expect(calls.length).toBe(statuses.filter((status) => status === 400).length);
  });
});

describe("the per-app ceiling on upstream token calls (Node, RATE_LIMIT_UPSTREAM)", () => {
  it("counts all clients together: refresh gets 429, a callback delivers temporarily_unavailable, nothing goes upstream", async () => {
    const calls: string[] = [];
    const relay = await startNodeRelay({
      env: { ...ENV, STATE_KEYS: newStateKeys(), PORT: "0", RATE_LIMIT_UPSTREAM: "3" },
      writeRecord: () => {},
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        tokenEndpoint(calls)(new Request(input, init))) as typeof fetch,
    });
    try {
      const flow = await startFlow(relay.url, { app: "acme", return_to: LOOPBACK_RETURN, response_mode: "query" });
      for (let i = 0; i < 3; i++) expect((await refresh(relay.url, "acme", `rt-${i}`)).status).toBe(400);
      const over = await refresh(relay.url, "acme", "rt-over");
      expect(over.status).toBe(429);
      expect(over.headers.get("retry-after")).toBe("60");
      const delivered = await readDelivery(
        await fetch(`${relay.url}/v1/callback/acme?code=${VICTIM_CODE}&state=${flow.relayState}`, {
          redirect: "manual",
        }),
      );
      expect(delivered.fields.error).toBe("temporarily_unavailable");
      expect(delivered.fields.state).toBe(flow.state);
      expect(calls).toHaveLength(3);
    } finally {
      await relay.close();
    }
  });
});

describe("limits configuration", () => {
  const base = { ...ENV, STATE_KEYS: newStateKeys() };

  it("on by default; RATE_LIMIT=off turns the counters off but not the one-use rule", async () => {
    const on = await loadConfig(base);
    expect(on.rateLimits).toMatchObject({
      enabled: true,
      perMinute: { flows: 20, refresh: 20, callback: 20, confirm: 20 },
      upstreamPerApp: 600,
    });
    const off = nodeLimits(await loadConfig({ ...base, RATE_LIMIT: "off" }));
    expect(off.perClient).toEqual({});
    expect(off.upstream).toBeUndefined();
    expect(await off.once.claim("k", 2e9)).toBe("first");
    expect(await off.once.claim("k", 2e9)).toBe("used");
  });

  it("a number keeps its meaning: requests per minute per client (callbacks: half)", async () => {
    const config = await loadConfig({ ...base, RATE_LIMIT: "90" });
    expect(config.rateLimits).toMatchObject({ perMinute: { flows: 90, refresh: 90, callback: 45, confirm: 45 } });
  });

  it.each([
    ["RATE_LIMIT", "lots", /RATE_LIMIT: must be a whole number/],
    ["RATE_LIMIT", "0", /RATE_LIMIT: 0 would refuse everything; to turn limits off set RATE_LIMIT=off/],
    ["RATE_LIMIT_UPSTREAM", "-1", /RATE_LIMIT_UPSTREAM: must be a whole number/],
  ])("%s=%s fails closed, naming the variable", async (name, value, message) => {
    await expect(loadConfig({ ...base, [name]: value })).rejects.toThrow(message);
  });

  it("Workers: every binding must be declared unless RATE_LIMIT=off; numbers belong in wrangler.toml", async () => {
    const config = await loadConfig(base);
    const binding = { limit: async () => ({ success: true }) };
    const all = Object.fromEntries(LIMIT_BINDINGS.map((name) => [name, binding]));
    expect(() => workersLimits(config, all)).not.toThrow();
    const { RATE_LIMITER_ONCE: _once, ...missingOne } = all;
    expect(() => workersLimits(config, missingOne)).toThrow(ConfigError);
    expect(() => workersLimits(config, missingOne)).toThrow(/RATE_LIMITER_ONCE: rate-limit binding missing/);
    const numbered = await loadConfig({ ...base, RATE_LIMIT: "50" });
    expect(() => workersLimits(numbered, all)).toThrow(/RATE_LIMIT: on Workers the limits are set in wrangler.toml/);
    const off = await loadConfig({ ...base, RATE_LIMIT: "off" });
    expect(workersLimits(off, {}).perClient).toEqual({});
  });
});

describe("counters and the one-use guard", () => {
  it("fixed window: counts per key per window and resets when the window rolls over", async () => {
    let now = 1_000_000;
    const counter = fixedWindowCounter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(await counter.hit("a")).toBe(true);
    expect(await counter.hit("a")).toBe(true);
    expect(await counter.hit("a")).toBe(false);
    expect(await counter.hit("b")).toBe(true);
    now += 60_000;
    expect(await counter.hit("a")).toBe(true);
    expect(counter.size()).toBe(1);
  });

  it("fixed window memory is bounded: past maxKeys, new clients share one overflow bucket", async () => {
    const counter = fixedWindowCounter({ limit: 5, maxKeys: 100, now: () => 0 });
    let allowed = 0;
    for (let i = 0; i < 10_000; i++) if (await counter.hit(`client-${i}`)) allowed += 1;
    expect(counter.size()).toBeLessThanOrEqual(101);
    expect(allowed).toBe(105); // 100 tracked clients once each, plus 5 from the shared overflow bucket
  });

  it("one-use guard: first, then used until expiry; bounded, refusing (full) rather than forgetting", async () => {
    let now = 1000;
    const guard = memoryOnceGuard({ maxEntries: 3, now: () => now });
    expect(await guard.claim("a", 1100)).toBe("first");
    expect(await guard.claim("a", 1100)).toBe("used");
    expect(await guard.claim("b", 1100)).toBe("first");
    expect(await guard.claim("c", 1500)).toBe("first");
    expect(await guard.claim("d", 1500)).toBe("full");
    expect(await guard.claim("a", 1100)).toBe("used");
    now = 1200; // a and b have expired and are swept to make room
    expect(await guard.claim("d", 1500)).toBe("first");
    expect(await guard.claim("c", 1500)).toBe("used");
    expect(guard.size()).toBe(2);
  });

  it("keys are 128-bit keyed hashes: no address, stable within a day, different across days and keys", async () => {
    const ring = async () => {
      const config = await loadConfig({ ...ENV, STATE_KEYS: newStateKeys() });
      return config.stateKeys.hashKey;
    };
    const [k1, k2] = [await ring(), await ring()];
    const day = 1_790_000_000_000;
    const a = await clientAddressKey(k1, "203.0.113.7", day);
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a).not.toContain("203");
    expect(await clientAddressKey(k1, "203.0.113.7", day + 1000)).toBe(a);
    expect(await clientAddressKey(k1, "203.0.113.7", day + 86_400_000)).not.toBe(a);
    expect(await clientAddressKey(k1, "203.0.113.8", day)).not.toBe(a);
    expect(await clientAddressKey(k2, "203.0.113.7", day)).not.toBe(a);
    expect(await keyedHash(k1, "state", "x")).not.toBe(await keyedHash(k1, "pending", "x"));
  });
});

describe("Node HTTP server: slow and many clients", () => {
  function open(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => resolve(socket));
      socket.once("error", reject);
    });
  }
  const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once("close", () => resolve()));

  it("a client trickling its headers is cut off in bounded time while other requests are served", async () => {
    const relay = await startNodeRelay({
      env: { ...ENV, STATE_KEYS: newStateKeys(), PORT: "0", HTTP_HEADERS_TIMEOUT_MS: "500" },
      writeRecord: () => {},
    });
    const port = Number(new URL(relay.url).port);
    try {
      const slow = await open(port);
      const gone = closed(slow);
      const started = Date.now();
      slow.write("GET /healthz HTTP/1.1\r\nHost: relay\r\n");
      const trickle = setInterval(() => {
        if (!slow.destroyed) slow.write("X-Slow: 1\r\n");
      }, 100);
      // Meanwhile the relay answers everyone else.
      for (let i = 0; i < 5; i++) expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
      await gone;
      clearInterval(trickle);
      // headersTimeout 500 ms, checked every 500 ms: cut off well within 5 s (Node's default would be 60 s).
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await relay.close();
    }
  });

  it("past HTTP_MAX_CONNECTIONS new connections are dropped; the held ones still work", async () => {
    const relay = await startNodeRelay({
      env: { ...ENV, STATE_KEYS: newStateKeys(), PORT: "0", HTTP_MAX_CONNECTIONS: "2" },
      writeRecord: () => {},
    });
    const port = Number(new URL(relay.url).port);
    const held = [await open(port), await open(port)];
    try {
      const extra = await open(port);
      await closed(extra); // accepted by the kernel, closed by Node at once
      const answer = new Promise<string>((resolve) => held[0]?.once("data", (chunk) => resolve(String(chunk))));
      held[0]?.write("GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n");
      expect(await answer).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      for (const socket of held) socket.destroy();
      await relay.close();
    }
  });
});

describe("the default limits do not stand in the way of a normal sign-in", () => {
  it("a full flow and a refresh from one client on a fresh relay", async () => {
    const calls: string[] = [];
    const relay = await startRelay("node", { ...ENV, STATE_KEYS: newStateKeys() }, { outbound: tokenEndpoint(calls) });
    try {
      const flow = await startFlow(relay.url, { app: "acme", return_to: LOOPBACK_RETURN, state: newInstanceState() });
      const response = await fetch(`${relay.url}/v1/callback/acme?code=${VICTIM_CODE}&state=${flow.relayState}`, {
        redirect: "manual",
      });
      expect((await readDelivery(response)).fields.result).toBeDefined();
      expect((await refresh(relay.url, "acme", "rt")).status).toBe(400);
      expect(calls).toEqual([VICTIM_CODE, "rt"]);
    } finally {
      await relay.close();
    }
  });
});
