import { base64url, calculateJwkThumbprint, EncryptJWT } from "jose";
import { type InstancePublicKey, importInstanceKey, toPublicJwk } from "./instance-key.js";

export const RESULT_TYP = "oauth-relay-result+jwt";
/** How long a delivered result stays acceptable to the instance, seconds. */
export const RESULT_LIFETIME = 300;

export interface ResultClaims {
  readonly state: string;
  readonly app: string;
  readonly server: string;
  readonly tenant: string | null;
  readonly token: Record<string, unknown>;
}

/** RFC 7638 thumbprint of the instance key: the result's `kid` and `aud`. */
export function instanceKeyThumbprint(key: InstancePublicKey): Promise<string> {
  return calculateJwkThumbprint(toPublicJwk(key), "sha256");
}

/**
 * Encrypts the result to the instance key: compact JWE, ECDH-ES + A256GCM (RFC 7518 §4.6), never
 * compressed, bound to the relay (`iss`), the instance key (`aud`) and the instance state.
 */
export async function encryptResult(
  claims: ResultClaims,
  key: InstancePublicKey,
  relayUrl: string,
  now: number,
): Promise<string> {
  // The key is imported from its raw bytes (not through jose's importJWK, which re-encodes to a JWK
  // and back), and the thumbprint digest runs alongside the import: both are independent
  // WebCrypto jobs, and on Node each costs a thread-pool round trip (bench/, docs/BENCHMARKS.md).
  const [thumbprint, publicKey] = await Promise.all([instanceKeyThumbprint(key), importInstanceKey(key)]);
  return new EncryptJWT({ ...claims })
    .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", typ: RESULT_TYP, kid: thumbprint })
    .setIssuer(relayUrl)
    .setAudience(thumbprint)
    .setIssuedAt(now)
    .setExpirationTime(now + RESULT_LIFETIME)
    .setJti(base64url.encode(crypto.getRandomValues(new Uint8Array(16))))
    .encrypt(publicKey);
}
