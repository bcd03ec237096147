/**
 * The relay's JOSE profiles, all made and opened by jose on WebCrypto (src/crypto/sealed.ts,
 * src/crypto/result.ts): sealed objects (relay state, pending object) are `dir` + A256GCM under
 * STATE_KEYS and refuse every malformed or foreign token in the table below; results are ECDH-ES or
 * `dir` + A256GCM to the instance key and decrypt with jose to the claims; key checks refuse what
 * cannot be used.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import fc from "fast-check";
import {
  base64url,
  CompactEncrypt,
  calculateJwkThumbprint,
  compactDecrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  jwtDecrypt,
} from "jose";
import { describe, expect, it } from "vitest";
import { type InstanceKey, toInstanceKey, unusableKeyReason } from "../../src/crypto/instance-key.js";
import { PENDING_TYP } from "../../src/crypto/pending.js";
import { STATE_TYP } from "../../src/crypto/relay-state.js";
import { encryptResult, prepareResultKey, RESULT_TYP } from "../../src/crypto/result.js";
import { seal, unseal } from "../../src/crypto/sealed.js";
import { importStateKeys, type StateKeyRing } from "../../src/crypto/state-keys.js";
import { FUZZ_SEED } from "../fuzz/support.js";

const TYP = STATE_TYP;
const KEY_A = base64url.encode(randomBytes(32));
const KEY_B = base64url.encode(randomBytes(32));
const STATE_KEYS = `a:${KEY_A},b:${KEY_B}`;

async function ring(): Promise<StateKeyRing> {
  const keys = await importStateKeys(STATE_KEYS);
  if (typeof keys === "string") throw new Error(keys);
  return keys;
}

async function instanceKeyPair(
  crv: "X25519" | "P-256",
): Promise<{ key: InstanceKey; jwk: JWK; privateKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv, extractable: true });
  const jwk = await exportJWK(publicKey);
  const key = toInstanceKey(
    crv === "X25519"
      ? { kty: "OKP", crv: "X25519", x: jwk.x as string }
      : { kty: "EC", crv: "P-256", x: jwk.x as string, y: jwk.y as string },
  );
  return { key, jwk, privateKey: privateKey as CryptoKey };
}

/** A compact `dir`+A256GCM JWE with any header, built by hand (what jose will not produce). */
function handMadeToken(
  header: Record<string, unknown> | Uint8Array,
  rawKey: string,
  plaintext = "x",
  ivBytes = 12,
): string {
  const encodedHeader = base64url.encode(header instanceof Uint8Array ? header : JSON.stringify(header));
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv("aes-256-gcm", base64url.decode(rawKey), iv);
  cipher.setAAD(Buffer.from(encodedHeader, "ascii"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [
    encodedHeader,
    "",
    base64url.encode(iv),
    base64url.encode(ciphertext),
    base64url.encode(cipher.getAuthTag()),
  ].join(".");
}

describe("sealed objects (relay state, pending object)", () => {
  it("are dir/A256GCM with kid and typ, open to the same bytes, and only as their own typ", async () => {
    const keys = await ring();
    const plaintext = randomBytes(300);
    const token = await seal(plaintext, TYP, keys);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "dir", enc: "A256GCM", kid: "a", typ: TYP });
    expect(token.split(".")[1]).toBe("");
    const opened = await unseal(token, TYP, keys);
    expect(opened && Buffer.from(opened).equals(plaintext)).toBe(true);
    // A relay state is not a pending object, nor the other way round (RFC 8725 §3.11).
    expect(await unseal(token, PENDING_TYP, keys)).toBeNull();
    expect(await unseal(await seal(plaintext, PENDING_TYP, keys), TYP, keys)).toBeNull();
    // and plain AES-GCM under the state key agrees on the bytes
    const { plaintext: viaJose } = await compactDecrypt(token, base64url.decode(KEY_A));
    expect(Buffer.from(viaJose).equals(plaintext)).toBe(true);
  });

  it("a fresh IV for every seal", async () => {
    const keys = await ring();
    const ivs = new Set<string>();
    for (let i = 0; i < 50; i++) ivs.add((await seal(new Uint8Array(8), TYP, keys)).split(".")[2] ?? "");
    expect(ivs.size).toBe(50);
  });

  it("the old key (kid b) still opens after rotation", async () => {
    const token = handMadeToken({ alg: "dir", enc: "A256GCM", kid: "b", typ: TYP }, KEY_B, "rotated");
    const opened = await unseal(token, TYP, await ring());
    expect(opened && Buffer.from(opened).toString()).toBe("rotated");
  });

  const base = { alg: "dir", enc: "A256GCM", kid: "a", typ: TYP };
  const REFUSED: ReadonlyArray<[string, () => Promise<string> | string]> = [
    ["unknown kid", () => handMadeToken({ ...base, kid: "zz" }, KEY_A)],
    ["kid __proto__", () => handMadeToken({ ...base, kid: "__proto__" }, KEY_A)],
    ["kid missing", () => handMadeToken({ alg: "dir", enc: "A256GCM", typ: TYP }, KEY_A)],
    ["kid names the other key", () => handMadeToken({ ...base, kid: "b" }, KEY_A)],
    ["typ missing", () => handMadeToken({ alg: "dir", enc: "A256GCM", kid: "a" }, KEY_A)],
    ["alg none", () => handMadeToken({ ...base, alg: "none" }, KEY_A)],
    ["enc A128GCM", () => handMadeToken({ ...base, enc: "A128GCM" }, KEY_A)],
    ["zip DEF", () => handMadeToken({ ...base, zip: "DEF" }, KEY_A)],
    ["crit", () => handMadeToken({ ...base, crit: ["exp"], exp: 1 }, KEY_A)],
    ["8-byte IV", () => handMadeToken(base, KEY_A, "x", 8)],
    [
      "A256GCMKW (a wrapped key instead of dir)",
      () =>
        new CompactEncrypt(new TextEncoder().encode("x"))
          .setProtectedHeader({ alg: "A256GCMKW", enc: "A256GCM", kid: "a", typ: TYP })
          .encrypt(base64url.decode(KEY_A)),
    ],
    [
      "non-empty encrypted key",
      () => {
        const parts = handMadeToken(base, KEY_A).split(".");
        parts[1] = "AAAA";
        return parts.join(".");
      },
    ],
    [
      "tag flipped",
      () => {
        const parts = handMadeToken(base, KEY_A).split(".");
        const tag = base64url.decode(parts[4] ?? "");
        tag[0] = (tag[0] ?? 0) ^ 1;
        parts[4] = base64url.encode(tag);
        return parts.join(".");
      },
    ],
    [
      "header re-encoded (AAD changes)",
      () => {
        const parts = handMadeToken(base, KEY_A).split(".");
        parts[0] = base64url.encode(JSON.stringify({ typ: TYP, kid: "a", enc: "A256GCM", alg: "dir" }));
        return parts.join(".");
      },
    ],
    ["four parts", () => handMadeToken(base, KEY_A).split(".").slice(0, 4).join(".")],
    ["six parts", () => `${handMadeToken(base, KEY_A)}.AAAA`],
    ["padding character", () => `${handMadeToken(base, KEY_A)}=`],
    ["whitespace", () => handMadeToken(base, KEY_A).replace(".", " .")],
    ["header is an array", () => `${base64url.encode("[1]")}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`],
    ["header is not JSON", () => `${base64url.encode("{nope")}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`],
    [
      // RFC 7516 §5.2 step 3: the protected header must be UTF-8; here valid JSON around an 0xFF byte.
      "header not valid UTF-8",
      () => {
        const bytes = Buffer.from(JSON.stringify({ ...base, x: "__" }));
        bytes[bytes.indexOf("__")] = 0xff;
        return handMadeToken(new Uint8Array(bytes), KEY_A);
      },
    ],
    ["empty string", () => ""],
  ];

  it.each(REFUSED)("refused: %s", async (_label, make) => {
    expect(await unseal(await make(), TYP, await ring())).toBeNull();
  });

  it("mutation fuzz: a mutated token either is refused or opens to the original bytes", async () => {
    const keys = await ring();
    const valid = await seal(new TextEncoder().encode("payload"), TYP, keys);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= +/%";
    const mutation = fc.oneof(
      fc.record({ at: fc.nat(), char: fc.constantFrom(...alphabet), kind: fc.constant("replace" as const) }),
      fc.record({ at: fc.nat(), char: fc.constantFrom(...alphabet), kind: fc.constant("insert" as const) }),
      fc.record({ at: fc.nat(), char: fc.constant(""), kind: fc.constant("delete" as const) }),
    );
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 0, maxLength: 3 }), async (mutations) => {
        let token = valid;
        for (const { at, char, kind } of mutations) {
          const i = at % (token.length + 1);
          token =
            kind === "replace"
              ? token.slice(0, i) + char + token.slice(i + 1)
              : kind === "insert"
                ? token.slice(0, i) + char + token.slice(i)
                : token.slice(0, i) + token.slice(i + 1);
        }
        const opened_ = await unseal(token, TYP, keys);
        if (opened_ !== null) {
          opened++;
          // AEAD: whatever survives a mutation (harmless ones exist) is the sealed bytes, never other bytes.
          expect(Buffer.from(opened_).toString()).toBe("payload");
        }
      }),
      { seed: FUZZ_SEED, numRuns: 3000 },
    );
    expect(opened).toBeGreaterThan(0); // the unmutated token (and harmless mutations) still open
  });
});

describe("results: ECDH-ES or dir, A256GCM, to the instance key", () => {
  const claims = {
    state: "instance-state-0123456789",
    app: "ms",
    server: "microsoft",
    tenant: "contoso.onmicrosoft.com",
    token: { access_token: "at-sentinel", token_type: "Bearer", expires_in: 3600 },
  };

  it.each(["X25519", "P-256"] as const)(
    "%s key: jose decrypts it to the claims, header as the protocol says",
    async (crv) => {
      const { key, jwk, privateKey } = await instanceKeyPair(crv);
      const now = Math.floor(Date.now() / 1000);
      const jwe = await encryptResult(claims, key, "https://relay.example", now);
      const thumbprint = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK);
      const header = decodeProtectedHeader(jwe);
      expect(header).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM", typ: RESULT_TYP, kid: thumbprint });
      expect(header.epk).toMatchObject({ kty: crv === "X25519" ? "OKP" : "EC", crv });
      expect(Object.keys(header.epk ?? {}).sort()).toEqual(
        crv === "X25519" ? ["crv", "kty", "x"] : ["crv", "kty", "x", "y"],
      );
      expect(jwe.split(".")[1]).toBe("");
      const { payload, protectedHeader } = await jwtDecrypt(jwe, privateKey, {
        issuer: "https://relay.example",
        audience: thumbprint,
        typ: RESULT_TYP,
        keyManagementAlgorithms: ["ECDH-ES"],
        contentEncryptionAlgorithms: ["A256GCM"],
        maxDecompressedLength: 0,
      });
      expect(protectedHeader.zip).toBeUndefined();
      expect(payload).toMatchObject({ ...claims, iat: now, exp: now + 300 });
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    },
  );

  it("oct key: a dir result (empty encrypted key, no epk), kid = the oct thumbprint; opens with the key bytes", async () => {
    const bytes = randomBytes(32);
    const key = toInstanceKey({ kty: "oct", k: base64url.encode(bytes), alg: "dir" });
    const now = Math.floor(Date.now() / 1000);
    const jwe = await encryptResult(claims, key, "https://relay.example", now);
    const thumbprint = await calculateJwkThumbprint({ kty: "oct", k: base64url.encode(bytes) });
    expect(decodeProtectedHeader(jwe)).toEqual({ alg: "dir", enc: "A256GCM", typ: RESULT_TYP, kid: thumbprint });
    expect(jwe.split(".")[1]).toBe("");
    const { payload } = await jwtDecrypt(jwe, new Uint8Array(bytes), {
      issuer: "https://relay.example",
      audience: thumbprint,
      typ: RESULT_TYP,
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
      maxDecompressedLength: 0,
    });
    expect(payload).toMatchObject({ ...claims, iat: now, exp: now + 300 });
    // a fresh IV and jti for every dir result too
    const again = await encryptResult(claims, key, "https://relay.example", now);
    expect(again.split(".")[2]).not.toBe(jwe.split(".")[2]);
  });

  it("a fresh ephemeral key and jti for every result", async () => {
    const { key, privateKey } = await instanceKeyPair("X25519");
    const jwtDecryptPayload = async (jwe: string) => (await jwtDecrypt(jwe, privateKey)).payload;
    const now = Math.floor(Date.now() / 1000);
    const [a, b] = await Promise.all([
      encryptResult(claims, key, "https://relay.example", now),
      encryptResult(claims, key, "https://relay.example", now),
    ]);
    const epkX = (jwe: string) => (decodeProtectedHeader(jwe).epk as { x?: string } | undefined)?.x;
    expect(epkX(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(epkX(a)).not.toBe(epkX(b));
    expect((await jwtDecryptPayload(a)).jti).not.toBe((await jwtDecryptPayload(b)).jti);
  });

  it("thumbprints are RFC 7638's for both curves", async () => {
    for (const crv of ["X25519", "P-256"] as const) {
      const { key, jwk } = await instanceKeyPair(crv);
      expect((await prepareResultKey(key)).thumbprint).toBe(await calculateJwkThumbprint(jwk));
    }
  });
});

describe("instance key checks", () => {
  const p = 2n ** 255n - 19n;
  const le32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  // RFC 7748 §6.1: points of small order give an all-zero shared secret.
  const SMALL_ORDER_X25519 = [
    0n,
    1n,
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    p - 1n,
    p,
    p + 1n,
  ];

  const usable = async (key: InstanceKey) => (await unusableKeyReason(key)) === null;

  it("valid keys pass; small-order X25519, off-curve P-256 and all-equal oct keys fail", async () => {
    for (const crv of ["X25519", "P-256"] as const) expect(await usable((await instanceKeyPair(crv)).key)).toBe(true);
    for (const u of SMALL_ORDER_X25519) {
      expect(await usable({ type: "X25519", raw: le32(u) }), `u=${u}`).toBe(false);
      const highBit = le32(u);
      highBit[31] = (highBit[31] ?? 0) | 0x80; // X25519 ignores the top bit (RFC 7748 §5), so must the check
      expect(await usable({ type: "X25519", raw: highBit }), `u=${u} with bit 255`).toBe(false);
    }
    for (const u of [2n, 9n, p - 2n]) // ordinary points, one of them the base point
      expect(await usable({ type: "X25519", raw: le32(u) }), `u=${u}`).toBe(true);
    expect(await usable({ type: "P-256", raw: new Uint8Array(64).fill(7) })).toBe(false);
    expect(await usable({ type: "oct", raw: randomBytes(32) })).toBe(true);
    for (const fill of [0, 1, 0xff])
      expect(await usable({ type: "oct", raw: new Uint8Array(32).fill(fill) })).toBe(false);
  });

  it("the result derivation itself refuses every small-order X25519 key", async () => {
    // The start-time list check is for an early, clear error; this is what actually protects a result.
    const claims = { state: "s".repeat(30), app: "a", server: "a", tenant: null, token: {} };
    for (const u of SMALL_ORDER_X25519) {
      await expect(encryptResult(claims, { type: "X25519", raw: le32(u) }, "https://r", 1), `u=${u}`).rejects.toThrow();
    }
  });
});
