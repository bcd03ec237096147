import { CompactEncrypt, calculateJwkThumbprint, compactDecrypt } from "jose";
import { CONTENT_ENC, type CryptoEngine, RESULT_ALG, type ResultKey, SEALED_ALG } from "./engine.js";
import { type InstanceCurve, type InstancePublicKey, isSmallOrderX25519, toPublicJwk } from "./instance-key.js";
import type { StateKeyRing } from "./state-keys.js";

/**
 * The default engine: jose for every JOSE object, WebCrypto underneath. Web-standard only, so it is
 * what the Worker runs; Node uses src/node-crypto-engine.ts unless CRYPTO_ENGINE=webcrypto.
 */

function algorithm(crv: InstanceCurve): EcKeyImportParams | Algorithm {
  return crv === "X25519" ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" };
}

/**
 * Imports the instance key from its raw bytes (X25519: the 32-byte u-coordinate; P-256: the
 * uncompressed point 0x04‖x‖y). Cheaper than a JWK import — no JWK object, no base64url round
 * trip — and equally strict: an off-curve P-256 point is refused here as well.
 */
function importInstanceKey(key: InstancePublicKey): Promise<CryptoKey> {
  if (key.crv === "X25519") {
    return crypto.subtle.importKey("raw", key.raw as Uint8Array<ArrayBuffer>, algorithm("X25519"), true, []);
  }
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(key.raw, 1);
  return crypto.subtle.importKey("raw", point, algorithm("P-256"), true, []);
}

export const webCryptoEngine: CryptoEngine = {
  name: "webcrypto",

  importStateKey: (bytes) =>
    // Non-extractable: nothing in the relay can read a state key back out.
    crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt", "decrypt"]),

  // jose picks a fresh random IV per call and never compresses.
  seal: (plaintext, typ, keys) =>
    new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: SEALED_ALG, enc: CONTENT_ENC, kid: keys.current.kid, typ })
      .encrypt(keys.current.key as CryptoKey),

  /**
   * Explicit algorithm allow-lists (RFC 8725 §3.1), no decompression (RFC 8725 §3.6: jose ≥ 6.2
   * would inflate `zip:DEF` by default), unknown `crit` rejected (jose's default), kid looked up in
   * a Map (RFC 8725 §3.10).
   */
  async unseal(token: string, typ: string, keys: StateKeyRing) {
    try {
      const { plaintext, protectedHeader } = await compactDecrypt(
        token,
        (header) => {
          const key = typeof header.kid === "string" ? keys.byKid.get(header.kid) : undefined;
          if (!key) throw new Error("unknown kid");
          return key as CryptoKey;
        },
        { keyManagementAlgorithms: [SEALED_ALG], contentEncryptionAlgorithms: [CONTENT_ENC], maxDecompressedLength: 0 },
      );
      return protectedHeader.typ === typ ? plaintext : null;
    } catch {
      return null;
    }
  },

  /** Two independent WebCrypto jobs (each a thread-pool round trip on Node): run them together. */
  async prepareResultKey(key) {
    const [thumbprint, handle] = await Promise.all([
      calculateJwkThumbprint(toPublicJwk(key), "sha256"),
      importInstanceKey(key),
    ]);
    return { crv: key.crv, thumbprint, handle };
  },

  encryptToInstance: (payload: Uint8Array, typ: string, key: ResultKey) =>
    new CompactEncrypt(payload)
      .setProtectedHeader({ alg: RESULT_ALG, enc: CONTENT_ENC, typ, kid: key.thumbprint })
      .encrypt(key.handle as CryptoKey),

  /** P-256: the import refuses off-curve points. X25519: not one of the small-order points. */
  async isUsablePublicKey(key) {
    if (key.crv === "X25519") return !isSmallOrderX25519(key.raw);
    try {
      await importInstanceKey(key);
      return true;
    } catch {
      return false;
    }
  },

  sha256: async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>)),
};
