/**
 * The reference instance client against the relay and its sandbox, in process: a whole flow per
 * delivery mode and curve, then every check `openResult` makes, each shown to bite.
 */
import { base64url, CompactEncrypt, EncryptJWT, importJWK, type JWK } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import {
  DeliveredError,
  generateInstanceKey,
  openDelivery,
  openResult,
  type PendingFlow,
  PendingFlows,
  RelayClientError,
  refresh,
  startFlow,
} from "../../src/client/index.js";
import { decodeEntities } from "../cli/user-agent.js";
import { type Fixture, RELAY, sandboxFixture } from "../sandbox/fixture.js";

const RETURN_TO = "http://127.0.0.1:9999/callback";
let f: Fixture;

beforeEach(async () => {
  f = await sandboxFixture();
});

/** Browser: consent page → decision → relay callback → the delivery parameters for the instance. */
async function browse(authorizationUrl: string, decision: "approve" | "deny"): Promise<URLSearchParams> {
  const html = await (await f.fetch(authorizationUrl)).text();
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const answer = await f.fetch(`${RELAY}/sandbox/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request, decision }).toString(),
    redirect: "manual",
  });
  const callback = await f.fetch(answer.headers.get("location") ?? "", { redirect: "manual" });
  if (callback.status === 200) {
    const page = await callback.text();
    const fields = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields.append(decodeEntities(m[1] ?? ""), decodeEntities(m[2] ?? ""));
    return fields;
  }
  expect(callback.status).toBe(303);
  const location = new URL(callback.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(RETURN_TO);
  return location.hash.length > 2 ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
}

async function started(
  options: { responseMode?: "form_post" | "query" | "fragment"; curve?: "X25519" | "P-256" } = {},
) {
  return startFlow({ relay: RELAY, app: "sandbox", returnTo: RETURN_TO, fetch: f.fetch, ...options });
}

describe("whole flow through the relay and the sandbox", () => {
  for (const [responseMode, curve] of [
    ["form_post", "X25519"],
    ["query", "P-256"],
    ["fragment", "X25519"],
  ] as const) {
    it(`${responseMode}, ${curve}: opens the result and returns the sandbox's token; refresh works`, async () => {
      const flow = await started({ responseMode, curve });
      expect(flow.pending.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(flow.authorizationUrl.startsWith(`${RELAY}/sandbox/authorize?`)).toBe(true);
      expect(flow.pending.key.publicJwk).not.toHaveProperty("d");
      const params = await browse(flow.authorizationUrl, "approve");
      expect(params.get("state")).toBe(flow.pending.state);
      const token = await openDelivery(params, flow.pending);
      expect(token.access_token).toMatch(/^sbx_at_/);
      expect(token.token_type).toBe("Bearer");
      expect(f.records).toEqual([{ server: "sandbox", grant: "authorization_code" }]);

      const next = await refresh({
        relay: RELAY,
        app: "sandbox",
        refreshToken: String(token.refresh_token),
        fetch: f.fetch,
      });
      expect(next.access_token).toMatch(/^sbx_at_/);
      expect(f.records.at(-1)).toEqual({ server: "sandbox", grant: "refresh_token" });
    });
  }

  it("a denied consent arrives as DeliveredError access_denied, for the pending state only", async () => {
    const flow = await started({ responseMode: "query" });
    const params = await browse(flow.authorizationUrl, "deny");
    const error = await openDelivery(params, flow.pending).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveredError);
    expect((error as DeliveredError).code).toBe("access_denied");
    // The state is spent by the error too.
    await expect(openDelivery(params, flow.pending)).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("relay API errors surface as RelayClientError with the relay's code", async () => {
    await expect(
      startFlow({ relay: RELAY, app: "sandbox", returnTo: "http://evil.example/cb", fetch: f.fetch }),
    ).rejects.toMatchObject({ code: "invalid_request", status: 400 });
    await expect(
      refresh({ relay: RELAY, app: "sandbox", refreshToken: "sbx_rt_nope", fetch: f.fetch }),
    ).rejects.toMatchObject({ code: "invalid_grant", status: 400 });
  });
});

describe("openResult checks", () => {
  /** A real result from the relay, for a flow of this client. */
  async function realResult(): Promise<{ result: string; pending: PendingFlow }> {
    const flow = await started();
    const params = await browse(flow.authorizationUrl, "approve");
    return { result: params.get("result") ?? "", pending: flow.pending };
  }

  /** A result forged with the relay's format but chosen claims and header (as if by a relay). */
  async function forge(
    pending: PendingFlow,
    changes: { claims?: Record<string, unknown>; header?: Record<string, unknown>; alg?: string } = {},
  ): Promise<string> {
    const publicKey = await importJWK(pending.key.publicJwk as JWK, changes.alg ?? "ECDH-ES");
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: RELAY,
      aud: pending.key.thumbprint,
      state: pending.state,
      app: "sandbox",
      server: "sandbox",
      tenant: null,
      iat: now,
      exp: now + 300,
      jti: "j1",
      token: { access_token: "at", token_type: "Bearer" },
      ...changes.claims,
    };
    return new EncryptJWT(claims)
      .setProtectedHeader({
        alg: changes.alg ?? "ECDH-ES",
        enc: "A256GCM",
        typ: "oauth-relay-result+jwt",
        kid: pending.key.thumbprint,
        ...changes.header,
      })
      .encrypt(publicKey);
  }

  async function rejects(result: string, pending: PendingFlow, pattern?: RegExp) {
    const error = await openResult(result, pending.state, pending).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayClientError);
    if (pattern) expect((error as Error).message).toMatch(pattern);
  }

  it("accepts a well-formed forged-by-the-book result (control)", async () => {
    const flow = await started();
    const token = await openResult(await forge(flow.pending), flow.pending.state, flow.pending);
    expect(token.access_token).toBe("at");
  });

  it("uses each state once", async () => {
    const { result, pending } = await realResult();
    await openResult(result, pending.state, pending);
    await expect(openResult(result, pending.state, pending)).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("PendingFlows: unknown states are refused, known ones used once", async () => {
    const { result, pending } = await realResult();
    const flows = new PendingFlows();
    flows.add(pending);
    await expect(openResult(result, "x".repeat(43), flows)).rejects.toMatchObject({ code: "invalid_state" });
    await openResult(result, pending.state, flows);
    expect(flows.size).toBe(0);
    await expect(openResult(result, pending.state, flows)).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("refuses a result for another flow's key or state", async () => {
    const one = await realResult();
    const other = await started();
    // Result of flow one, presented with flow two's state: wrong key, cannot decrypt.
    await expect(openResult(one.result, other.pending.state, other.pending)).rejects.toMatchObject({
      code: "invalid_result",
    });
    // Right key, claims say a different state.
    const third = (await started()).pending;
    await rejects(await forge(third, { claims: { state: "s".repeat(43) } }), third, /result state does not match/);
  });

  it("refuses tampering", async () => {
    const { result, pending } = await realResult();
    const parts = result.split(".");
    const ciphertext = parts[3] ?? "";
    // Change the second-to-last character to one it is not (every bit of it carries data).
    const changed = ciphertext.at(-2) === "A" ? "B" : "A";
    parts[3] = `${ciphertext.slice(0, -2)}${changed}${ciphertext.slice(-1)}`;
    await rejects(parts.join("."), pending);
  });

  it("checks iss, aud, typ, kid and exp", async () => {
    const past = Math.floor(Date.now() / 1000) - 1000;
    const cases: Array<[Parameters<typeof forge>[1], RegExp]> = [
      [{ claims: { iss: "https://other-relay.example" } }, /iss/],
      [{ claims: { aud: "someone-else" } }, /aud/],
      [{ header: { typ: "JWT" } }, /typ/],
      [{ header: { kid: "other" } }, /kid/],
      [{ claims: { iat: past - 300, exp: past } }, /exp/],
      [{ claims: { token: { token_type: "Bearer" } } }, /token/],
    ];
    for (const [changes, pattern] of cases) {
      const p = (await started()).pending;
      await rejects(await forge(p, changes), p, pattern);
    }
    // Encrypted to some other key: cannot be opened.
    const p = (await started()).pending;
    await rejects(await forge(await newPending()), p);
  });

  it("allows only ECDH-ES with A256GCM, and no compression", async () => {
    const p = (await started()).pending;
    await rejects(await forge(p, { alg: "ECDH-ES+A256KW" }), p, /alg|not allowed/i);
    const p2 = (await started()).pending;
    const zipped = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ state: p2.state })))
      .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", zip: "DEF", typ: "oauth-relay-result+jwt" })
      .encrypt(await importJWK(p2.key.publicJwk as JWK, "ECDH-ES"));
    await rejects(zipped, p2);
    const p3 = (await started()).pending;
    await rejects(`${base64url.encode('{"alg":"none"}')}.e30.`, p3);
  });

  async function newPending(): Promise<PendingFlow> {
    const key = await generateInstanceKey();
    return { relay: RELAY, app: "sandbox", state: "q".repeat(43), key, expiresAt: 0, issuer: RELAY };
  }
});
