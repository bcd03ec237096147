/**
 * STATE_KEYS rotation (README "Configuration": comma-separated kid:key pairs, the first encrypts,
 * all decrypt; docs/SECURITY.md S7, S58). A flow started under key A completes after B is put in front,
 * fails with the uniform 400 page once A is removed, and malformed STATE_KEYS fail closed at start
 * (Node entry) with a message that names the problem and never echoes key material.
 */
import { base64url, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import { startNodeRelay } from "../../src/node/server.js";
import { answerConfirmation, readConfirmation } from "../harness/instance.js";
import { inProcessRelay } from "../harness/relay.js";

const RETURN_TO = "http://127.0.0.1:8011/oauth2/relay";
const UNLISTED = "https://unlisted.example.net/oauth2/relay";
const BASE_ENV = {
  RELAY_URL: "https://relay.example.com",
  APPS: JSON.stringify([{ id: "dropbox", server: "dropbox", client_id: "c" }]),
  CLIENT_SECRET_DROPBOX: "s3cret-value",
};

function keyOf(pair: string): string {
  return pair.slice(pair.indexOf(":") + 1);
}

async function relayWith(stateKeys: string) {
  const calls: string[] = [];
  const relay = await inProcessRelay(
    { ...BASE_ENV, STATE_KEYS: stateKeys },
    {
      outbound: async (request) => {
        calls.push(request.url);
        return Response.json({ access_token: "at", token_type: "bearer", expires_in: 60 });
      },
    },
  );
  return { app: relay.app, config: relay.config, calls, records: relay.records };
}

async function instanceKey(): Promise<JsonWebKey> {
  const pair = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const { kty, crv, x } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { kty, crv, x };
}

async function start(relay: Awaited<ReturnType<typeof relayWith>>, returnTo = RETURN_TO): Promise<string> {
  const response = await relay.app.request("/v1/flows", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      app: "dropbox",
      return_to: returnTo,
      state: "instance-nonce-0123456789abcdef",
      key: await instanceKey(),
      response_mode: "query",
    }),
  });
  expect(response.status).toBe(201);
  const { authorization_url } = (await response.json()) as { authorization_url: string };
  return authorization_url;
}

const stateOf = (authorizationUrl: string) => new URL(authorizationUrl).searchParams.get("state") ?? "";
const normalize = (html: string) => html.replace(/nonce="[^"]*"/g, "").replace(/'nonce-[^']*'/g, "");

describe("STATE_KEYS rotation", () => {
  const a = generateStateKeyPair("a");
  const b = generateStateKeyPair("b");

  it("a flow started under key A completes after B is put in front (B,A), and new flows use B", async () => {
    const before = await relayWith(a);
    const state = stateOf(await start(before));
    expect(decodeProtectedHeader(state).kid).toBe("a");

    const rotated = await relayWith(`${b},${a}`);
    const response = await rotated.app.request(`/v1/callback/dropbox?code=c1&state=${encodeURIComponent(state)}`);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBeNull();
    expect(location.searchParams.get("result")?.split(".")).toHaveLength(5);
    expect(location.searchParams.get("state")).toBe("instance-nonce-0123456789abcdef");
    expect(rotated.calls).toHaveLength(1);
    expect(rotated.records).toEqual(['{"server":"dropbox","grant":"authorization_code"}']);

    const fresh = stateOf(await start(rotated));
    expect(decodeProtectedHeader(fresh).kid).toBe("b");
  });

  it("once A is removed (STATE_KEYS=B), the A state gets the uniform 400 page: no redirect, no exchange", async () => {
    const before = await relayWith(a);
    const state = stateOf(await start(before));
    const retired = await relayWith(b);
    const response = await retired.app.request(`/v1/callback/dropbox?code=c1&state=${encodeURIComponent(state)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(retired.calls).toHaveLength(0);
    expect(retired.records).toHaveLength(0);
    const body = await response.text();
    expect(body).not.toContain(state);
    // Byte-identical (apart from the per-response nonce) to the answer for plain garbage.
    const garbage = await retired.app.request("/v1/callback/dropbox?code=c1&state=garbage");
    expect(normalize(body)).toBe(normalize(await garbage.text()));

    // A pending object sealed under A fails the same way.
    const other = stateOf(await start(before, UNLISTED));
    const page = await before.app.request(`/v1/callback/dropbox?code=c2&state=${encodeURIComponent(other)}`);
    const confirmation = await readConfirmation(page);
    const target = { request: async (path: string, init?: RequestInit) => retired.app.request(path, init) };
    const refused = await answerConfirmation(target, confirmation, "send", { origin: "https://relay.example.com" });
    expect(refused.status).toBe(400);
    expect(retired.calls).toHaveLength(0);
    expect(page.headers.get("location")).toBeNull();
  });

  it("a kid that names a configured key but was sealed under another key fails (no kid confusion)", async () => {
    // Same kid "a", different material: the state must not open.
    const impostor = generateStateKeyPair("a");
    const before = await relayWith(impostor);
    const state = stateOf(await start(before));
    const relay = await relayWith(`${b},${a}`);
    const response = await relay.app.request(`/v1/callback/dropbox?code=c&state=${encodeURIComponent(state)}`);
    expect(response.status).toBe(400);
    expect(relay.calls).toHaveLength(0);
  });

  it("a pending object sealed under A is answered after B is put in front; a relay state is not one", async () => {
    const before = await relayWith(a);
    const state = stateOf(await start(before, UNLISTED));
    const page = await before.app.request(`/v1/callback/dropbox?code=c&state=${encodeURIComponent(state)}`);
    const confirmation = await readConfirmation(page);
    const rotated = await relayWith(`${b},${a}`);
    const target = { request: async (path: string, init?: RequestInit) => rotated.app.request(path, init) };
    const sent = await answerConfirmation(target, confirmation, "send", { origin: "https://relay.example.com" });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")?.startsWith(`${UNLISTED}?result=`)).toBe(true);
    // A relay state offered as the pending object is refused (typed apart, RFC 8725 §3.11).
    const swapped = await answerConfirmation(target, { ...confirmation, pending: state }, "send", {
      origin: "https://relay.example.com",
    });
    expect(swapped.status).toBe(400);
    expect(rotated.calls).toHaveLength(1);
  });
});

describe("malformed STATE_KEYS fail closed at start (Node entry)", () => {
  const good = generateStateKeyPair("k1");
  const goodKey = keyOf(good);
  const short = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  const long = base64url.encode(crypto.getRandomValues(new Uint8Array(33)));

  const cases: Array<[string, string, RegExp]> = [
    ["empty", "", /STATE_KEYS: not set/],
    ["only spaces", "   ", /STATE_KEYS: not set/],
    ["short key (16 bytes)", `k1:${short}`, /STATE_KEYS: key for kid "k1" must be base64url of exactly 32/],
    ["long key (33 bytes)", `k1:${long}`, /STATE_KEYS: key for kid "k1" must be base64url of exactly 32/],
    ["standard base64 with padding", `k1:${goodKey.slice(0, 42)}+=`, /key for kid "k1" must be base64url/],
    ["duplicate kid", `k1:${goodKey},k1:${keyOf(generateStateKeyPair("x"))}`, /STATE_KEYS: duplicate kid "k1"/],
    ["same key under two kids", `k1:${goodKey},k2:${goodKey}`, /STATE_KEYS: kid "k2" reuses another kid's key/],
    ["no kid", goodKey, /STATE_KEYS: each entry must be "kid:key"/],
    ["empty kid", `:${goodKey}`, /STATE_KEYS: each kid \(before the ":"\) must be 1-16 chars/],
    ["kid with hostile characters", `__proto__/..:${goodKey}`, /STATE_KEYS: each kid \(before the ":"\) must be 1-16/],
    ["trailing comma", `${good},`, /STATE_KEYS: each entry must be "kid:key"/],
  ];

  for (const [name, value, message] of cases) {
    it(`${name} → ConfigError naming STATE_KEYS and the problem, no key material echoed`, async () => {
      const env = { ...BASE_ENV, STATE_KEYS: value, PORT: "0", HOST: "127.0.0.1" };
      const attempt = startNodeRelay({ env, writeRecord: () => {} });
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      const error = (await attempt.catch((e: unknown) => e)) as ConfigError;
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(goodKey);
      expect(error.message).not.toContain(short);
      expect(error.message).not.toContain(long);
      expect(error.message).not.toContain(BASE_ENV.CLIENT_SECRET_DROPBOX);
      expect(error.stack ?? "").not.toContain(goodKey);
    });
  }

  it("a valid rotation set starts and serves (control)", async () => {
    const relay = await startNodeRelay({
      env: { ...BASE_ENV, STATE_KEYS: `${generateStateKeyPair("new")},${good}`, PORT: "0" },
      writeRecord: () => {},
    });
    try {
      const response = await fetch(`${relay.url}/healthz`);
      expect(response.status).toBe(200);
    } finally {
      await relay.close();
    }
  });
});
