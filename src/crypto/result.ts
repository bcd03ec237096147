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

/** The instance key made ready for encryption: imported, with its thumbprint. */
export interface ResultKey {
  readonly thumbprint: string;
  readonly publicKey: CryptoKey;
}

/**
 * Imports the instance key from its raw bytes (not through jose's importJWK, which re-encodes to a
 * JWK and back) and computes its thumbprint alongside: two independent WebCrypto jobs, each a
 * thread-pool round trip on Node. The callback starts this before the code exchange so that it
 * overlaps the upstream wait (see docs/BENCHMARKS.md).
 */
export async function prepareResultKey(key: InstancePublicKey): Promise<ResultKey> {
  const [thumbprint, publicKey] = await Promise.all([instanceKeyThumbprint(key), importInstanceKey(key)]);
  return { thumbprint, publicKey };
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
  /** `prepareResultKey(key)`, if the caller started it earlier. */
  prepared?: Promise<ResultKey>,
): Promise<string> {
  const { thumbprint, publicKey } = await (prepared ?? prepareResultKey(key));
  return new EncryptJWT({ ...claims })
    .setProtectedHeader({ alg: "ECDH-ES", enc: "A256GCM", typ: RESULT_TYP, kid: thumbprint })
    .setIssuer(relayUrl)
    .setAudience(thumbprint)
    .setIssuedAt(now)
    .setExpirationTime(now + RESULT_LIFETIME)
    .setJti(base64url.encode(crypto.getRandomValues(new Uint8Array(16))))
    .encrypt(publicKey);
}
