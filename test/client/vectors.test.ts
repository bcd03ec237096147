/**
 * docs/test-vectors.json, decrypted and checked by the reference client exactly as an instance
 * would, so the published vectors can never drift from the code. Also pins that the vectors fail
 * where an instance must make them fail, and opens the `dir` vector with nothing but AES-256-GCM,
 * SHA-256, base64url and JSON — what a Qore instance has.
 */
import { createDecipheriv, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { base64url, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  decryptResult,
  type InstanceKey,
  instanceKeyFromPrivateJwk,
  octInstanceKey,
  openResult,
  type PendingFlow,
  RESULT_TYP,
} from "../../src/client/index.js";
import { RESULT_TYP as RELAY_RESULT_TYP, RESULT_LIFETIME } from "../../src/crypto/result.js";

interface Vector {
  name: string;
  /** ECDH-ES vectors. */
  instance_private_jwk?: JWK;
  instance_public_jwk?: JWK;
  /** The `dir` vector: the instance's 32-byte key. */
  instance_oct_jwk?: { kty: "oct"; k: string; alg: "dir" };
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

function keyOf(vector: Vector): Promise<InstanceKey> {
  if (vector.instance_oct_jwk) return octInstanceKey(base64url.decode(vector.instance_oct_jwk.k));
  if (vector.instance_private_jwk) return instanceKeyFromPrivateJwk(vector.instance_private_jwk);
  throw new Error(`vector ${vector.name} has no key`);
}

async function pendingFor(vector: Vector, issuer = file.relay): Promise<PendingFlow> {
  const key = await keyOf(vector);
  return { relay: file.relay, app: "dropbox", state: vector.state, key, expiresAt: file.now + 600, issuer };
}

/**
 * A `dir` result opened the way an instance without JOSE (Qore) opens it: split the compact JWE,
 * check the header, AES-256-GCM with the protected header's base64url text as AAD (RFC 7516 §5.2),
 * then the claims — plain node:crypto, no JOSE library.
 */
function openDirByHand(result: string, k: string, state: string, issuer: string, now: number): Record<string, unknown> {
  const parts = result.split(".");
  if (parts.length !== 5) throw new Error("not five parts");
  const [protectedB64 = "", encryptedKey, ivB64 = "", ciphertextB64 = "", tagB64 = ""] = parts;
  const header = JSON.parse(Buffer.from(protectedB64, "base64url").toString("utf8")) as Record<string, unknown>;
  const thumbprint = createHash("sha256").update(`{"k":"${k}","kty":"oct"}`).digest("base64url");
  if (header.alg !== "dir" || header.enc !== "A256GCM" || header.typ !== RESULT_TYP || header.kid !== thumbprint)
    throw new Error("header");
  if ("zip" in header || "crit" in header || encryptedKey !== "") throw new Error("header members");
  const iv = Buffer.from(ivB64, "base64url");
  const tag = Buffer.from(tagB64, "base64url");
  if (iv.length !== 12 || tag.length !== 16) throw new Error("iv or tag size");
  const decipher = createDecipheriv("aes-256-gcm", Buffer.from(k, "base64url"), iv, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(protectedB64, "ascii"));
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertextB64, "base64url")), decipher.final()]);
  const claims = JSON.parse(plaintext.toString("utf8")) as Record<string, unknown>;
  if (claims.iss !== issuer || claims.aud !== thumbprint || claims.state !== state) throw new Error("claims");
  if (typeof claims.exp !== "number" || now > claims.exp + 30) throw new Error("expired");
  return claims;
}

const at = (seconds: number) => ({ currentDate: new Date(seconds * 1000) });

describe("published test vectors", () => {
  it("cover X25519, P-256 and dir", () => {
    const kinds = file.vectors.map((v) => (v.instance_oct_jwk ? "dir" : v.instance_private_jwk?.crv)).sort();
    expect(kinds).toEqual(["P-256", "X25519", "dir"]);
    expect(RESULT_TYP).toBe(RELAY_RESULT_TYP);
  });

  describe("the dir vector with AES-256-GCM alone (no JOSE library, as a Qore instance does it)", () => {
    const vector = file.vectors.find((v) => v.instance_oct_jwk);
    const k = vector?.instance_oct_jwk?.k ?? "";

    it("opens to exactly the expected claims", () => {
      if (!vector) throw new Error("no dir vector");
      expect(openDirByHand(vector.result, k, vector.state, file.relay, file.now)).toEqual(vector.expected_claims);
    });

    it.each([
      ["header", 0],
      ["IV", 2],
      ["ciphertext", 3],
      ["tag", 4],
    ])("refuses a tampered %s", (_part, index) => {
      if (!vector) throw new Error("no dir vector");
      const parts = vector.result.split(".");
      const original = parts[index] ?? "";
      // Flip one bit of the part's first byte, keeping valid base64url.
      const bytes = Buffer.from(original, "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      parts[index] = bytes.toString("base64url");
      expect(() => openDirByHand(parts.join("."), k, vector.state, file.relay, file.now)).toThrow();
    });

    it("refuses the wrong key, state, issuer, or a time past exp", () => {
      if (!vector) throw new Error("no dir vector");
      const other = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
      expect(() => openDirByHand(vector.result, other, vector.state, file.relay, file.now)).toThrow();
      expect(() => openDirByHand(vector.result, k, "another-state-0123456789abcdef", file.relay, file.now)).toThrow();
      expect(() => openDirByHand(vector.result, k, vector.state, "https://other.example", file.now)).toThrow();
      expect(() =>
        openDirByHand(vector.result, k, vector.state, file.relay, vector.expected_claims.exp + 31),
      ).toThrow();
    });
  });

  for (const vector of file.vectors) {
    describe(vector.name, () => {
      it("the key sent to the relay and its thumbprint follow from the instance's key (RFC 7638)", async () => {
        const key = await keyOf(vector);
        expect(key.publicJwk).toEqual(vector.instance_public_jwk ?? vector.instance_oct_jwk);
        expect(key.thumbprint).toBe(vector.thumbprint);
      });

      it("docs/PROTOCOL.md quotes this file's values (X25519 and dir vectors)", () => {
        const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
        if (vector.instance_private_jwk?.crv === "X25519")
          expect(doc).toContain(`"d": "${vector.instance_private_jwk.d}"`);
        else if (vector.instance_oct_jwk) expect(doc).toContain(`"k": "${vector.instance_oct_jwk.k}"`);
        else return;
        expect(doc).toContain(`"thumbprint": "${vector.thumbprint}"`);
        expect(doc).toContain(`"state": "${vector.state}"`);
        expect(doc).toContain(`\`${file.now}\``);
      });

      it("protected header is as documented", () => {
        const header = JSON.parse(Buffer.from(vector.result.split(".")[0] ?? "", "base64url").toString("utf8"));
        expect(header).toEqual(vector.expected_protected_header);
        const alg = vector.instance_oct_jwk ? "dir" : "ECDH-ES";
        expect(header).toMatchObject({ alg, enc: "A256GCM", typ: RESULT_TYP, kid: vector.thumbprint });
        expect(header).not.toHaveProperty("zip");
        expect(vector.result.split(".")[1]).toBe(""); // ECDH-ES direct and dir: empty encrypted key
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
        // The issuer to compare with is the flow reply's `issuer`, whatever URL reached the relay.
        await expect(
          openResult(
            vector.result,
            vector.state,
            { ...(await pendingFor(vector)), relay: "http://localhost:1" },
            at(file.now),
          ),
        ).resolves.toBeDefined();
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
