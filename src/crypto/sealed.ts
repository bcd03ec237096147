import { CompactEncrypt, compactDecrypt } from "jose";
import type { StateKeyRing } from "./state-keys.js";

/**
 * Objects the relay seals for itself and gets back through the browser: the relay state (carried
 * by the provider) and the pending object (carried by the confirmation form). Compact JWE, `dir`
 * + A256GCM under the current STATE_KEYS key (RFC 7516; RFC 7518 §4.5, §5.3), a `typ` per kind so
 * that neither is accepted in place of the other (RFC 8725 §3.11), never compressed.
 */
const ALG = "dir";
const ENC = "A256GCM";

/** jose picks a fresh random 96-bit IV per call. */
export function seal(plaintext: Uint8Array, typ: string, keys: StateKeyRing): Promise<string> {
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: ALG, enc: ENC, kid: keys.current.kid, typ })
    .encrypt(keys.current.key);
}

/**
 * Opens a sealed object of exactly this `typ`, or null (never throws). Explicit algorithm
 * allow-lists (RFC 8725 §3.1), no decompression (RFC 8725 §3.6: jose ≥ 6.2 would inflate `zip:DEF`
 * by default), unknown `crit` rejected (jose's default), kid looked up in a Map (RFC 8725 §3.10).
 */
export async function unseal(token: string, typ: string, keys: StateKeyRing): Promise<Uint8Array | null> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(
      token,
      (header) => {
        const key = typeof header.kid === "string" ? keys.byKid.get(header.kid) : undefined;
        if (!key) throw new Error("unknown kid");
        return key;
      },
      { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC], maxDecompressedLength: 0 },
    );
    return protectedHeader.typ === typ ? plaintext : null;
  } catch {
    return null;
  }
}
