import { base64url } from "jose";
import { deriveHashKey } from "./keyed-hash.js";

/** The first key seals; every key opens, looked up by `kid` (RFC 7517 §4.5). */
export interface StateKeyRing {
  readonly current: { readonly kid: string; readonly key: CryptoKey };
  /** A Map, so hostile kids such as `__proto__` or `constructor` find nothing (RFC 8725 §3.10). */
  readonly byKid: ReadonlyMap<string, CryptoKey>;
  /** HMAC key derived from the current key (src/crypto/keyed-hash.ts): limiter and one-use keys. */
  readonly hashKey: CryptoKey;
}

const KID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;
const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** AES-256-GCM, non-extractable: nothing in the relay can read a state key back out. */
function importAesKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * Parses `kid:key,kid:key` and imports each 32-byte key once, so no request pays for key import.
 * Returns an error text naming the problem instead of throwing; key material is never echoed.
 */
export async function importStateKeys(raw: string): Promise<StateKeyRing | string> {
  const byKid = new Map<string, CryptoKey>();
  const order: Array<{ kid: string; bytes: Uint8Array }> = [];
  const seenMaterial = new Set<string>();
  for (const pair of raw.split(",").map((part) => part.trim())) {
    const separator = pair.indexOf(":");
    if (separator < 0) return 'each entry must be "kid:key" (comma-separated)';
    const kid = pair.slice(0, separator);
    const material = pair.slice(separator + 1);
    // Not echoed: a pair written the wrong way round (key:kid) would put key material in the message.
    if (!KID_PATTERN.test(kid)) return 'each kid (before the ":") must be 1-16 chars of A-Z a-z 0-9 _ -';
    if (byKid.has(kid)) return `duplicate kid "${kid}"`;
    let bytes: Uint8Array | null = null;
    try {
      bytes = KEY_PATTERN.test(material) ? base64url.decode(material) : null;
    } catch {
      bytes = null;
    }
    if (bytes === null || bytes.length !== 32) {
      return `key for kid "${kid}" must be base64url of exactly 32 random bytes (43 characters)`;
    }
    if (seenMaterial.has(material)) return `kid "${kid}" reuses another kid's key; every key must be distinct`;
    seenMaterial.add(material);
    byKid.set(kid, await importAesKey(bytes));
    order.push({ kid, bytes });
  }
  const first = order[0];
  const currentKey = first === undefined ? undefined : byKid.get(first.kid);
  if (first === undefined || currentKey === undefined) return "no keys given";
  return { current: { kid: first.kid, key: currentKey }, byKid, hashKey: await deriveHashKey(first.bytes) };
}

/** A fresh `kid:key` pair for STATE_KEYS. */
export function generateStateKeyPair(kid: string): string {
  return `${kid}:${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
}
