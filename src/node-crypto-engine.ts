/**
 * Node-only crypto engine (chosen by src/node.ts; never bundled into the Worker): the same JWE
 * profiles as the jose engine (src/crypto/webcrypto-engine.ts), computed with synchronous
 * node:crypto. Node's WebCrypto hands every call to the libuv thread pool, and a callback makes
 * about nine; here none leaves the event loop, which is what lets one small process serve many
 * instances (docs/BENCHMARKS.md). Interchangeable with the jose engine in both directions, checked
 * by test/unit/crypto-engines.test.ts: jose opens everything sealed here and vice versa.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { CONTENT_ENC, type CryptoEngine, RESULT_ALG, type ResultKey, SEALED_ALG } from "./crypto/engine.js";
import { type InstanceCurve, type InstancePublicKey, isSmallOrderX25519, toPublicJwk } from "./crypto/instance-key.js";
import type { StateKeyRing } from "./crypto/state-keys.js";

const IV_BYTES = 12; // RFC 7518 §5.3: 96-bit IV for AES-GCM
const TAG_BYTES = 16; // RFC 7518 §5.3: 128-bit authentication tag
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Unpadded base64url as RFC 7515 §2 defines it. A length of 4n+1 encodes no whole byte sequence:
 * Buffer would quietly drop the stray character, jose refuses it, and so do we (found by the
 * differential fuzz in test/unit/crypto-engines.test.ts).
 */
function isBase64url(part: string): boolean {
  return part.length % 4 !== 1 && BASE64URL.test(part);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** RFC 7516 §7.1 compact serialization with an empty JWE Encrypted Key (`dir` and ECDH-ES direct). */
function compactEncrypt(header: Record<string, unknown>, cek: KeyObject | Buffer, plaintext: Uint8Array): string {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString("base64url");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", cek, iv, { authTagLength: TAG_BYTES });
  // RFC 7516 §5.1 step 14: the AAD is ASCII(BASE64URL(UTF8(JWE Protected Header))).
  cipher.setAAD(Buffer.from(encodedHeader, "ascii"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${encodedHeader}..${b64(iv)}.${b64(ciphertext)}.${b64(cipher.getAuthTag())}`;
}

function parseHeader(encoded: string): Record<string, unknown> | null {
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
    return typeof header === "object" && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** RFC 7518 §4.6.2: Concat KDF (NIST SP 800-56A §5.8.1), one SHA-256 round for a 256-bit key, empty apu/apv. */
function concatKdf(sharedSecret: Buffer, algorithmId: string): Buffer {
  const u32 = (value: number) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(value);
    return out;
  };
  const id = Buffer.from(algorithmId, "ascii");
  return createHash("sha256")
    .update(u32(1)) // round counter
    .update(sharedSecret)
    .update(u32(id.length))
    .update(id) // AlgorithmID: the `enc` value for direct key agreement
    .update(u32(0)) // PartyUInfo: apu absent
    .update(u32(0)) // PartyVInfo: apv absent
    .update(u32(256)) // SuppPubInfo: key length in bits
    .digest();
}

function importPublicKey(key: InstancePublicKey): KeyObject {
  return createPublicKey({ key: { ...toPublicJwk(key) }, format: "jwk" });
}

/** RFC 7638 §3: members in lexicographic order, no whitespace; toPublicJwk's values need no escaping. */
function thumbprint(key: InstancePublicKey): string {
  const { kty, crv, x, y } = toPublicJwk(key);
  const members = y === undefined ? { crv, kty, x } : { crv, kty, x, y };
  return createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

/** `publicKeyEncoding: {format: "jwk"}` exists since Node 15.9; @types/node 20 has no overload for it. */
const generateWithJwk = generateKeyPairSync as unknown as (
  type: "x25519" | "ec",
  options: { namedCurve: string | undefined; publicKeyEncoding: { format: "jwk" } },
) => { publicKey: JsonWebKey; privateKey: KeyObject };

/**
 * A fresh ephemeral key pair, the public half already as a JWK. The export happens inside the
 * key-generation job, never later on the KeyObject: Node 20 can deadlock when a KeyObject is
 * exported to JWK and a garbage collection during that export finalizes the (finished) job that
 * generated the same key — both take the key's mutex (seen here as a bench process stuck in
 * KeyObjectHandle::ExportJWK → GC → ~KeyGenJob → pthread_mutex_lock; docs/BENCHMARKS.md "Hangs").
 */
function ephemeralKeyPair(crv: InstanceCurve): { privateKey: KeyObject; publicJwk: JsonWebKey } {
  const pair = generateWithJwk(crv === "X25519" ? "x25519" : "ec", {
    namedCurve: crv === "X25519" ? undefined : "P-256",
    publicKeyEncoding: { format: "jwk" },
  });
  return { privateKey: pair.privateKey, publicJwk: pair.publicKey };
}

export const nodeCryptoEngine: CryptoEngine = {
  name: "node",

  importStateKey: async (bytes) => createSecretKey(Buffer.from(bytes)),

  seal: async (plaintext, typ, keys) =>
    compactEncrypt(
      { alg: SEALED_ALG, enc: CONTENT_ENC, kid: keys.current.kid, typ },
      keys.current.key as KeyObject,
      plaintext,
    ),

  /**
   * The same acceptance rules as the jose engine: five base64url parts, an empty encrypted key,
   * exactly alg `dir` and enc A256GCM (RFC 8725 §3.1), no `zip` (RFC 8725 §3.6), no `crit` (none
   * is understood, RFC 7516 §4.1.13), the `typ` asked for, a kid looked up in a Map (RFC 8725 §3.10),
   * a 96-bit IV and a 128-bit tag.
   */
  async unseal(token: string, typ: string, keys: StateKeyRing) {
    const parts = token.split(".");
    if (parts.length !== 5 || !parts.every(isBase64url)) return null;
    const [encodedHeader = "", encryptedKey, iv = "", ciphertext = "", tag = ""] = parts;
    const header = parseHeader(encodedHeader);
    if (header === null || encryptedKey !== "") return null;
    if (header.alg !== SEALED_ALG || header.enc !== CONTENT_ENC || header.typ !== typ) return null;
    if ("zip" in header || "crit" in header) return null;
    const key = typeof header.kid === "string" ? keys.byKid.get(header.kid) : undefined;
    const ivBytes = Buffer.from(iv, "base64url");
    const tagBytes = Buffer.from(tag, "base64url");
    if (key === undefined || ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", key as KeyObject, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(encodedHeader, "ascii"));
      decipher.setAuthTag(tagBytes);
      const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]);
      return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    } catch {
      return null;
    }
  },

  prepareResultKey: async (key) => ({ crv: key.crv, thumbprint: thumbprint(key), handle: importPublicKey(key) }),

  /** RFC 7518 §4.6: a fresh ephemeral key per result, Z = ECDH(ephemeral, instance), CEK = Concat KDF(Z). */
  async encryptToInstance(payload: Uint8Array, typ: string, key: ResultKey) {
    const ephemeral = ephemeralKeyPair(key.crv);
    const sharedSecret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: key.handle as KeyObject });
    const { kty, crv, x, y } = ephemeral.publicJwk;
    const epk = y === undefined ? { kty, crv, x } : { kty, crv, x, y };
    const header = { alg: RESULT_ALG, enc: CONTENT_ENC, typ, kid: key.thumbprint, epk };
    return compactEncrypt(header, concatKdf(sharedSecret, CONTENT_ENC), payload);
  },

  /** P-256: the import refuses off-curve points. X25519: not one of the small-order points. */
  async isUsablePublicKey(key) {
    if (key.crv === "X25519") return !isSmallOrderX25519(key.raw);
    try {
      importPublicKey(key);
      return true;
    } catch {
      return false;
    }
  },

  sha256: async (data) => new Uint8Array(createHash("sha256").update(data).digest()),
};
