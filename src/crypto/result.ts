import { base64url } from "jose";
import type { CryptoEngine, ResultKey } from "./engine.js";
import type { InstancePublicKey } from "./instance-key.js";

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

/**
 * Encrypts the result to the instance key: compact JWE, ECDH-ES + A256GCM (RFC 7518 §4.6), never
 * compressed, a JWT (RFC 7519) bound to the relay (`iss`), the instance key (`aud`) and the
 * instance state, short-lived (`exp`) and unique (`jti`).
 */
export async function encryptResult(
  engine: CryptoEngine,
  claims: ResultClaims,
  key: InstancePublicKey,
  relayUrl: string,
  now: number,
  /** `engine.prepareResultKey(key)`, if the caller started it earlier (the callback does, during the exchange). */
  prepared?: Promise<ResultKey>,
): Promise<string> {
  const resultKey = await (prepared ?? engine.prepareResultKey(key));
  const payload = {
    ...claims,
    iss: relayUrl,
    aud: resultKey.thumbprint,
    iat: now,
    exp: now + RESULT_LIFETIME,
    jti: base64url.encode(crypto.getRandomValues(new Uint8Array(16))),
  };
  return engine.encryptToInstance(new TextEncoder().encode(JSON.stringify(payload)), RESULT_TYP, resultKey);
}
