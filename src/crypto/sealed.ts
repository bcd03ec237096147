import { CompactEncrypt, compactDecrypt } from "jose";
import type { StateKeyRing } from "./state-keys.js";

/**
 * The relay's own sealed objects (relay state, confirm token): compact JWE, `dir` + A256GCM under
 * the current STATE_KEYS key (RFC 7516; RFC 7518 §5.3), each with its own `typ` (RFC 8725 §3.11).
 * jose picks a fresh random IV per call and never compresses.
 */
export function seal(plaintext: Uint8Array, typ: string, keys: StateKeyRing): Promise<string> {
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: keys.current.kid, typ })
    .encrypt(keys.current.key);
}

/**
 * Opens a sealed object of the given `typ`, or returns null. Explicit algorithm allow-lists
 * (RFC 8725 §3.1), no decompression (RFC 8725 §3.6: jose ≥ 6.2 would inflate `zip:DEF` by default),
 * unknown `crit` rejected (jose's default), kid looked up in a Map (RFC 8725 §3.10).
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
      { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"], maxDecompressedLength: 0 },
    );
    return protectedHeader.typ === typ ? plaintext : null;
  } catch {
    return null;
  }
}
