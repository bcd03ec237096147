/** docs/SECURITY.md S9: the relay state fits Dropbox's 500-byte `state` limit, and oversize flows are refused. */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { newInstanceKey } from "../harness/instance.js";
import { makeRelay, postJson, type TestRelay } from "./helpers.js";

const DROPBOX_LIMIT = 500;

let relay: TestRelay;
beforeAll(async () => {
  // A long (16-character) kid makes the protected header as large as configuration allows.
  relay = await makeRelay({
    STATE_KEYS: `kid-of-16-chars_:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`,
  });
});

/** A loopback return_to of exactly `length` characters. */
function returnToOfLength(length: number, fill = "a"): string {
  const base = "http://127.0.0.1:65535/";
  return base + fill.repeat(length - base.length);
}

describe("relay state size (Dropbox: at most 500 bytes)", () => {
  it.each(["X25519", "oct"] as const)(
    "%s key + 128-character return_to + 43-character state: ≤ 500 bytes",
    async (type) => {
      const key = await newInstanceKey(type);
      const returnTo = returnToOfLength(128);
      expect(returnTo).toHaveLength(128);
      const response = await relay.request(
        "/v1/flows",
        postJson({ app: "dropbox", return_to: returnTo, state: "s".repeat(43), key: key.publicJwk }),
      );
      expect(response.status).toBe(201);
      const { authorization_url } = (await response.json()) as { authorization_url: string };
      const state = new URL(authorization_url).searchParams.get("state") ?? "";
      expect(new TextEncoder().encode(state).length).toBeLessThanOrEqual(DROPBOX_LIMIT);
      // The state is opaque: nothing of what it carries shows through.
      expect(state).not.toContain("127.0.0.1");
      expect(state).not.toContain("s".repeat(8));
      expect(state).not.toContain(String(key.publicJwk.x ?? key.publicJwk.k).slice(0, 12));
    },
  );

  it("property: any 22-43-char state with an X25519 key and a return_to up to 128 chars fits", async () => {
    const key = await newInstanceKey("X25519");
    const stateChar = fc.constantFrom(..."ABCXYZabcxyz0189-_.~");
    const pathChar = fc.constantFrom(..."abcXYZ019-._~/%25");
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: stateChar, minLength: 22, maxLength: 43 }),
        fc.integer({ min: 24, max: 128 }),
        fc.string({ unit: pathChar, minLength: 1, maxLength: 1 }),
        fc.constantFrom("form_post", "query", "fragment"),
        async (state, length, fill, mode) => {
          const returnTo = returnToOfLength(length, fill);
          fc.pre(new URL(returnTo).href === returnTo);
          const response = await relay.request(
            "/v1/flows",
            postJson({ app: "dropbox", return_to: returnTo, state, key: key.publicJwk, response_mode: mode }),
          );
          expect(response.status).toBe(201);
          const { authorization_url } = (await response.json()) as { authorization_url: string };
          const relayState = new URL(authorization_url).searchParams.get("state") ?? "";
          expect(new TextEncoder().encode(relayState).length).toBeLessThanOrEqual(DROPBOX_LIMIT);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("P-256 + 512-character return_to + 128-character state: 400 with a precise description", async () => {
    const key = await newInstanceKey("P-256");
    const calls = relay.upstream.length;
    const response = await relay.request(
      "/v1/flows",
      postJson({ app: "dropbox", return_to: returnToOfLength(512), state: "s".repeat(128), key: key.publicJwk }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_request");
    // Names the limit, the size it would have had, and what to shorten.
    expect(body.error_description).toMatch(/\b\d{3,4} bytes\b/);
    expect(body.error_description).toContain("500");
    expect(body.error_description).toContain("return_to");
    expect(body.error_description).toContain("state");
    expect(relay.upstream.length).toBe(calls);
  });

  it("the same oversize flow is accepted for a provider without a state limit (Microsoft)", async () => {
    const key = await newInstanceKey("P-256");
    const response = await relay.request(
      "/v1/flows",
      postJson({ app: "ms", return_to: returnToOfLength(512), state: "s".repeat(128), key: key.publicJwk }),
    );
    expect(response.status).toBe(201);
  });

  it("return_to over 512 characters is refused whatever the provider", async () => {
    const key = await newInstanceKey("X25519");
    const response = await relay.request(
      "/v1/flows",
      postJson({ app: "ms", return_to: returnToOfLength(513), state: "s".repeat(22), key: key.publicJwk }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_description: string }).error_description).toMatch(/return_to.*512/);
  });
});
