/**
 * docs/test-vectors.json, decrypted and checked by the reference client exactly as an instance
 * would, so the published vectors can never drift from the code. Also pins that the vectors fail
 * where an instance must make them fail.
 */
import { readFileSync } from "node:fs";
import type { JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  decryptResult,
  instanceKeyFromPrivateJwk,
  openResult,
  type PendingFlow,
  RESULT_TYP,
} from "../../src/client/index.js";
import { RESULT_TYP as RELAY_RESULT_TYP, RESULT_LIFETIME } from "../../src/crypto/result.js";

interface Vector {
  name: string;
  instance_private_jwk: JWK;
  instance_public_jwk: JWK;
  thumbprint: string;
  state: string;
  result: string;
  expected_protected_header: Record<string, unknown>;
  expected_claims: Record<string, unknown> & { iat: number; exp: number };
}

const file = JSON.parse(readFileSync(new URL("../../docs/test-vectors.json", import.meta.url), "utf8")) as {
  relay: string;
  now: number;
  vectors: Vector[];
};

async function pendingFor(vector: Vector, relay = file.relay): Promise<PendingFlow> {
  const key = await instanceKeyFromPrivateJwk(vector.instance_private_jwk);
  return { relay, app: "dropbox", state: vector.state, key, expiresAt: file.now + 600 };
}

const at = (seconds: number) => ({ currentDate: new Date(seconds * 1000) });

describe("published test vectors", () => {
  it("cover X25519 and P-256", () => {
    expect(file.vectors.map((v) => v.instance_private_jwk.crv).sort()).toEqual(["P-256", "X25519"]);
    expect(RESULT_TYP).toBe(RELAY_RESULT_TYP);
  });

  for (const vector of file.vectors) {
    describe(vector.name, () => {
      it("public key and thumbprint follow from the private key (RFC 7638)", async () => {
        const key = await instanceKeyFromPrivateJwk(vector.instance_private_jwk);
        expect(key.publicJwk).toEqual(vector.instance_public_jwk);
        expect(key.thumbprint).toBe(vector.thumbprint);
      });

      it("docs/PROTOCOL.md quotes this file's values (X25519 abridged vector)", () => {
        if (vector.instance_private_jwk.crv !== "X25519") return;
        const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
        expect(doc).toContain(`"d": "${vector.instance_private_jwk.d}"`);
        expect(doc).toContain(`"thumbprint": "${vector.thumbprint}"`);
        expect(doc).toContain(`"state": "${vector.state}"`);
        expect(doc).toContain(`\`${file.now}\``);
      });

      it("protected header is as documented", () => {
        const header = JSON.parse(Buffer.from(vector.result.split(".")[0] ?? "", "base64url").toString("utf8"));
        expect(header).toEqual(vector.expected_protected_header);
        expect(header).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM", typ: RESULT_TYP, kid: vector.thumbprint });
        expect(header).not.toHaveProperty("zip");
        expect(vector.result.split(".")[1]).toBe(""); // ECDH-ES direct: empty encrypted key
      });

      it("decrypts to exactly the expected claims, and openResult returns the token", async () => {
        const pending = await pendingFor(vector);
        const claims = await decryptResult(vector.result, pending, at(file.now));
        expect(claims).toEqual(vector.expected_claims);
        expect(claims.exp - claims.iat).toBe(RESULT_LIFETIME);
        const token = await openResult(vector.result, vector.state, await pendingFor(vector), at(file.now));
        expect(token).toEqual(vector.expected_claims.token);
      });

      it("is refused after exp, for another relay, another state, or tampered", async () => {
        const late = vector.expected_claims.exp + 31; // past exp plus the 30 s clock tolerance
        await expect(openResult(vector.result, vector.state, await pendingFor(vector), at(late))).rejects.toThrow(
          /exp/,
        );
        await expect(
          openResult(vector.result, vector.state, await pendingFor(vector, "https://other.example"), at(file.now)),
        ).rejects.toThrow(/iss/);
        const other = { ...(await pendingFor(vector)), state: "another-pending-state-0123456789" };
        await expect(openResult(vector.result, other.state, other, at(file.now))).rejects.toThrow(/state/);
        const parts = vector.result.split(".");
        const tag = parts[4] ?? "";
        parts[4] = `${tag[0] === "A" ? "B" : "A"}${tag.slice(1)}`;
        await expect(
          openResult(parts.join("."), vector.state, await pendingFor(vector), at(file.now)),
        ).rejects.toThrow();
      });
    });
  }
});
