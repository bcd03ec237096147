import { base64url } from "jose";

/**
 * Keyed hashes: the only form in which the relay keeps anything about a request — a client address
 * for rate limiting, a used relay state or pending object for one-use checks. HMAC-SHA-256 under a
 * key derived from the current STATE_KEYS key with HKDF (RFC 5869) under its own label, so it is
 * separate from the sealing key (RFC 8725 §3.2) and every replica and Worker isolate computes the
 * same values. Truncated to 128 bits: enough to tell values apart, useless to recover them.
 */
const encoder = new TextEncoder();

export function deriveHashKey(stateKey: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", stateKey as Uint8Array<ArrayBuffer>, "HKDF", false, ["deriveKey"]).then((ikm) =>
    crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(0),
        info: encoder.encode("qorus-oauth-relay/keyed-hash/v1"),
      },
      ikm,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign"],
    ),
  );
}

/** HMAC(key, purpose ‖ 0x0a ‖ value), 128 bits, base64url (22 characters). */
export async function keyedHash(key: CryptoKey, purpose: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${purpose}\n${value}`));
  return base64url.encode(new Uint8Array(mac, 0, 16));
}

/** A client address as a limiter key: the UTC day is in the MAC, so keys do not link across days. */
export function clientAddressKey(key: CryptoKey, address: string, nowMs: number = Date.now()): Promise<string> {
  return keyedHash(key, `client:${Math.floor(nowMs / 86_400_000)}`, address);
}
