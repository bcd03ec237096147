/**
 * docs/SECURITY.md S1-S7, S10, S24-S27, S29: hostile relay states and callback requests get the one
 * uniform 400 page — no redirect, nothing echoed, no upstream call.
 */
import { deflateRawSync } from "node:zlib";
import { CompactEncrypt, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { makeRelay, normalizeNonce, postForm, startFlow, stateKeyBytes, type TestRelay } from "./helpers.js";

const b64 = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes).toString("base64url");

/** A hand-made compact JWE `dir` + AES-GCM, so headers jose refuses to produce (crit, zip…) can be built. */
async function handMadeDirJwe(header: Record<string, unknown>, plaintext: Uint8Array, keyBytes: Uint8Array) {
  const protectedHeader = b64(JSON.stringify(header));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await crypto.subtle.importKey("raw", keyBytes as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(protectedHeader), tagLength: 128 },
      key,
      plaintext as Uint8Array<ArrayBuffer>,
    ),
  );
  return `${protectedHeader}..${b64(iv)}.${b64(sealed.subarray(0, -16))}.${b64(sealed.subarray(-16))}`;
}

/** Decrypts a genuine relay state (the test knows STATE_KEYS) to re-wrap its plaintext under odd headers. */
async function statePlaintext(relayState: string, keyBytes: Uint8Array): Promise<Uint8Array> {
  const [header = "", , iv = "", ciphertext = "", tag = ""] = relayState.split(".");
  const key = await crypto.subtle.importKey("raw", keyBytes as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["decrypt"]);
  const data = new Uint8Array([...Buffer.from(ciphertext, "base64url"), ...Buffer.from(tag, "base64url")]);
  return new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: Buffer.from(iv, "base64url"), additionalData: new TextEncoder().encode(header) },
      key,
      data,
    ),
  );
}

describe("hostile relay states", () => {
  let relay: TestRelay;
  let keyBytes: Uint8Array;
  let genuine: Awaited<ReturnType<typeof startFlow>>;
  let plaintext: Uint8Array;
  let baseline: string;

  function flipChar(token: string, segment: number): string {
    const parts = token.split(".");
    const part = parts[segment] ?? "";
    const index = Math.floor(part.length / 2);
    parts[segment] = part.slice(0, index) + (part[index] === "A" ? "B" : "A") + part.slice(index + 1);
    return parts.join(".");
  }

  async function callbackWith(state: string, app = "dropbox", extra = "&code=abc123"): Promise<Response> {
    return relay.request(`/v1/callback/${app}?state=${encodeURIComponent(state)}${extra}`);
  }

  beforeAll(async () => {
    relay = await makeRelay();
    keyBytes = stateKeyBytes(relay.env.STATE_KEYS ?? "");
    genuine = await startFlow(relay, { app: "dropbox" });
    plaintext = await statePlaintext(genuine.relayState, keyBytes);
    // The reference page: a callback with a syntactically broken state.
    const response = await callbackWith("not a state!");
    expect(response.status).toBe(400);
    baseline = normalizeNonce(await response.text());
  });

  describe("genuine relay state", () => {
    it("is dir + A256GCM with kid and the state typ; fresh IV per seal", async () => {
      expect(decodeProtectedHeader(genuine.relayState)).toEqual({
        alg: "dir",
        enc: "A256GCM",
        kid: "k1",
        typ: "oauth-relay-state",
      });
      const again = await startFlow(relay, { app: "dropbox" });
      expect(again.relayState.split(".")[2]).not.toBe(genuine.relayState.split(".")[2]);
    });

    it("carries the PKCE verifier whose S256 is the authorization request's code_challenge", async () => {
      // Binary layout (src/crypto/relay-state.ts): u8 version | u32 iat | u16 ttl | u8 mode | u8 curve |
      // key (32 for X25519) | verifier (32) | …
      const verifierBytes = plaintext.subarray(1 + 4 + 2 + 1 + 1 + 32, 1 + 4 + 2 + 1 + 1 + 32 + 32);
      const verifier = b64(verifierBytes);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
      expect(b64(digest)).toBe(new URL(genuine.authorizationUrl).searchParams.get("code_challenge"));
    });

    it("expiry honours STATE_TTL with a 30 s clock tolerance, not more", async () => {
      const ttl = relay.config.stateTtl;
      const flow = await startFlow(relay, { app: "dropbox" });
      const attempt = async (offset: number) => {
        relay.clock.offset = offset;
        try {
          return (await callbackWith(flow.relayState, "dropbox", "&error=access_denied")).status;
        } finally {
          relay.clock.offset = 0;
        }
      };
      expect(await attempt(ttl + 25)).toBe(200);
      expect(await attempt(ttl + 40)).toBe(400);
    });

    it("round-trips: the hand-made dir JWE with the genuine header is accepted (controls the variants below)", async () => {
      const remade = await handMadeDirJwe(decodeProtectedHeader(genuine.relayState), plaintext, keyBytes);
      const calls = relay.upstream.length;
      const response = await callbackWith(remade);
      // Reaches the exchange (the fake refuses the made-up code), i.e. the state itself was accepted.
      expect(relay.upstream.length).toBe(calls + 1);
      expect(response.status).toBe(200);
    });
  });

  describe("hostile states: one uniform 400 page, no Location, nothing echoed, no upstream call", () => {
    const variants: Array<[string, () => Promise<{ state: string; app?: string; skew?: number }>]> = [
      ["tampered ciphertext", async () => ({ state: flipChar(genuine.relayState, 3) })],
      ["tampered tag", async () => ({ state: flipChar(genuine.relayState, 4) })],
      ["tampered header", async () => ({ state: flipChar(genuine.relayState, 0) })],
      ["expired (clock + 1 h)", async () => ({ state: genuine.relayState, skew: 3600 })],
      ["not yet valid (clock − 1 h)", async () => ({ state: genuine.relayState, skew: -3600 })],
      ["foreign app (Dropbox state at /v1/callback/ms)", async () => ({ state: genuine.relayState, app: "ms" })],
      ["foreign app (Dropbox state at /v1/callback/acme)", async () => ({ state: genuine.relayState, app: "acme" })],
      [
        "unknown kid",
        async () => ({
          state: await handMadeDirJwe(
            { alg: "dir", enc: "A256GCM", kid: "k9", typ: "oauth-relay-state" },
            plaintext,
            keyBytes,
          ),
        }),
      ],
      ...["__proto__", "constructor", "../k1", "k".repeat(1024)].map(
        (kid): [string, () => Promise<{ state: string }>] => [
          `hostile kid ${kid.slice(0, 12)}`,
          async () => ({
            state: await handMadeDirJwe(
              { alg: "dir", enc: "A256GCM", kid, typ: "oauth-relay-state" },
              plaintext,
              keyBytes,
            ),
          }),
        ],
      ),
      [
        "missing kid",
        async () => ({
          state: await handMadeDirJwe({ alg: "dir", enc: "A256GCM", typ: "oauth-relay-state" }, plaintext, keyBytes),
        }),
      ],
      [
        "right kid, other key",
        async () => ({
          state: await handMadeDirJwe(
            { alg: "dir", enc: "A256GCM", kid: "k1", typ: "oauth-relay-state" },
            plaintext,
            crypto.getRandomValues(new Uint8Array(32)),
          ),
        }),
      ],
      [
        "result-typed JWE under the state key",
        async () => ({
          state: await handMadeDirJwe(
            { alg: "dir", enc: "A256GCM", kid: "k1", typ: "oauth-relay-result+jwt" },
            plaintext,
            keyBytes,
          ),
        }),
      ],
      [
        "no typ",
        async () => ({ state: await handMadeDirJwe({ alg: "dir", enc: "A256GCM", kid: "k1" }, plaintext, keyBytes) }),
      ],
      [
        "the relay's own pending object (typ oauth-relay-pending)",
        async () => {
          const flow = await startFlow(relay, { app: "dropbox", return_to: "https://unlisted.example.org/cb" });
          const page = await relay.request(`/v1/callback/dropbox?error=access_denied&state=${flow.relayState}`);
          return { state: /name="pending" value="([^"]+)"/.exec(await page.text())?.[1] ?? "" };
        },
      ],
      [
        "zip:DEF (compressed plaintext)",
        async () => ({
          state: await handMadeDirJwe(
            { alg: "dir", enc: "A256GCM", kid: "k1", typ: "oauth-relay-state", zip: "DEF" },
            new Uint8Array(deflateRawSync(plaintext)),
            keyBytes,
          ),
        }),
      ],
      [
        "crit extension",
        async () => ({
          state: await handMadeDirJwe(
            { alg: "dir", enc: "A256GCM", kid: "k1", typ: "oauth-relay-state", crit: ["x-relay"], "x-relay": 1 },
            plaintext,
            keyBytes,
          ),
        }),
      ],
      [
        "A256KW under the state key",
        async () => ({
          state: await new CompactEncrypt(plaintext)
            .setProtectedHeader({ alg: "A256KW", enc: "A256GCM", kid: "k1", typ: "oauth-relay-state" })
            .encrypt(keyBytes),
        }),
      ],
      [
        "A128GCM content encryption",
        async () => ({
          state: await handMadeDirJwe(
            { alg: "dir", enc: "A128GCM", kid: "k1", typ: "oauth-relay-state" },
            plaintext,
            keyBytes.subarray(0, 16),
          ),
        }),
      ],
      [
        "PBES2-HS512+A256KW with p2c = 10^8",
        async () => {
          const header = {
            alg: "PBES2-HS512+A256KW",
            enc: "A256GCM",
            kid: "k1",
            typ: "oauth-relay-state",
            p2s: b64(crypto.getRandomValues(new Uint8Array(16))),
            p2c: 100_000_000,
          };
          const random = (n: number) => b64(crypto.getRandomValues(new Uint8Array(n)));
          return { state: `${b64(JSON.stringify(header))}.${random(40)}.${random(12)}.${random(200)}.${random(16)}` };
        },
      ],
      [
        "ECDH-ES header",
        async () => {
          const header = {
            alg: "ECDH-ES",
            enc: "A256GCM",
            kid: "k1",
            epk: { kty: "OKP", crv: "X25519", x: b64(new Uint8Array(32)) },
          };
          return { state: await handMadeDirJwe(header, plaintext, keyBytes) };
        },
      ],
      ["truncated (4 segments)", async () => ({ state: genuine.relayState.split(".").slice(0, 4).join(".") })],
      ["a JWS-shaped token", async () => ({ state: `${b64('{"alg":"none"}')}.${b64('{"a":1}')}.` })],
      ["random garbage", async () => ({ state: b64(crypto.getRandomValues(new Uint8Array(300))) })],
    ];

    it.each(variants)("%s", async (_name, make) => {
      const { state, app = "dropbox", skew = 0 } = await make();
      const calls = relay.upstream.length;
      relay.clock.offset = skew;
      const started = performance.now();
      let response: Response;
      try {
        response = await callbackWith(state, app);
      } finally {
        relay.clock.offset = 0;
      }
      const elapsed = performance.now() - started;
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const body = await response.text();
      expect(normalizeNonce(body)).toBe(baseline);
      // Nothing echoed: no 16-character window of the submitted state appears.
      for (let i = 0; i + 16 <= state.length; i += 16) expect(body).not.toContain(state.slice(i, i + 16));
      expect(relay.upstream.length).toBe(calls);
      expect(elapsed).toBeLessThan(250);
    });

    it("the same page for a form_post (POST) callback with a tampered state", async () => {
      const response = await relay.request(
        "/v1/callback/ms",
        postForm({ state: flipChar(genuine.relayState, 3), code: "abc" }),
      );
      expect(response.status).toBe(400);
      expect(normalizeNonce(await response.text())).toBe(baseline);
    });

    it("unknown app in the callback path gets the same page", async () => {
      const response = await callbackWith(genuine.relayState, "nope");
      expect(response.status).toBe(400);
      expect(normalizeNonce(await response.text())).toBe(baseline);
    });

    it("a key removed from STATE_KEYS no longer opens its states; a retained one does (rotation)", async () => {
      const k1 = relay.env.STATE_KEYS ?? "";
      const k2 = `k2:${b64(crypto.getRandomValues(new Uint8Array(32)))}`;
      const rotated = await makeRelay({ STATE_KEYS: `${k2},${k1}` });
      const accepted = await rotated.request(`/v1/callback/dropbox?state=${genuine.relayState}&error=access_denied`);
      expect(accepted.status).toBe(200);
      expect(await accepted.text()).toContain('name="error" value="access_denied"');
      const retired = await makeRelay({ STATE_KEYS: k2 });
      const refused = await retired.request(`/v1/callback/dropbox?state=${genuine.relayState}&error=access_denied`);
      expect(refused.status).toBe(400);
      expect(normalizeNonce(await refused.text())).toBe(baseline);
      // New states are sealed under the first key.
      const fresh = await startFlow(rotated);
      expect(decodeProtectedHeader(fresh.relayState).kid).toBe("k2");
    });
  });

  describe("callback parameters", () => {
    const duplicates: Array<[string, (state: string) => string]> = [
      ["state twice", (s) => `state=${s}&state=${s}&code=c`],
      ["code twice", (s) => `state=${s}&code=c1&code=c2`],
      ["error twice", (s) => `state=${s}&error=access_denied&error=server_error`],
      ["iss twice", (s) => `state=${s}&code=c&iss=a&iss=b`],
      ["oversized code", (s) => `state=${s}&code=${"c".repeat(5000)}`],
      ["control character in code", (s) => `state=${s}&code=a%0Ab`],
      ["missing state", () => "code=c"],
    ];

    it.each(duplicates)("%s (GET and POST) → uniform 400, no upstream call", async (_name, query) => {
      const calls = relay.upstream.length;
      const get = await relay.request(`/v1/callback/dropbox?${query(genuine.relayState)}`);
      expect(get.status).toBe(400);
      expect(normalizeNonce(await get.text())).toBe(baseline);
      const post = await relay.request("/v1/callback/dropbox", postForm(query(genuine.relayState)));
      expect(post.status).toBe(400);
      expect(relay.upstream.length).toBe(calls);
    });

    it.each(["HEAD", "OPTIONS", "PUT", "DELETE"])("%s on the callback → 405, no upstream call", async (method) => {
      const calls = relay.upstream.length;
      const response = await relay.request(`/v1/callback/dropbox?state=${genuine.relayState}&code=c`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST");
      expect(response.headers.get("location")).toBeNull();
      expect(relay.upstream.length).toBe(calls);
    });

    it("error and code together: the error is delivered, no exchange", async () => {
      const calls = relay.upstream.length;
      const fresh = await startFlow(relay, { app: "dropbox" });
      const response = await relay.request(
        `/v1/callback/dropbox?state=${fresh.relayState}&code=c&error=access_denied&error_description=no`,
      );
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toContain('name="error" value="access_denied"');
      expect(body).toContain(`name="state" value="${fresh.state}"`);
      expect(body).not.toContain('name="result"');
      expect(relay.upstream.length).toBe(calls);
      expect(relay.records).toEqual([]);
    });

    it("an unknown provider error code is normalized to server_error", async () => {
      const fresh = await startFlow(relay, { app: "dropbox" });
      const response = await relay.request(`/v1/callback/dropbox?state=${fresh.relayState}&error=weird_thing`);
      expect(await response.text()).toContain('name="error" value="server_error"');
    });

    it("a POST callback that is not form-encoded → uniform 400", async () => {
      const response = await relay.request("/v1/callback/ms", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ state: genuine.relayState, code: "c" }),
      });
      expect(response.status).toBe(400);
      expect(normalizeNonce(await response.text())).toBe(baseline);
    });

    it("the callback response does not re-expose the code or the relay state", async () => {
      const flow = await startFlow(relay, { app: "dropbox", response_mode: "query" });
      const outcome = await relay.dropbox.authorize(flow.authorizationUrl);
      if (outcome.kind !== "callback") throw new Error("authorize failed");
      const code = new URL(outcome.request.url).searchParams.get("code") ?? "";
      const response = await relay.request(outcome.request.url.slice("https://relay.example.test".length));
      expect(response.status).toBe(303);
      const location = response.headers.get("location") ?? "";
      expect(location).not.toContain(code);
      expect(location).not.toContain(flow.relayState.slice(0, 40));
      expect(await response.text()).not.toContain(code);
    });
  });
});
