import { base64url, CompactEncrypt } from "jose";
import { type InstanceKey, importPublicKey, instanceKeyThumbprint } from "./instance-key.js";

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

/** The instance key made ready for encryption: its thumbprint and what jose encrypts to. */
export interface ResultKey {
  readonly thumbprint: string;
  readonly alg: "ECDH-ES" | "dir";
  readonly key: CryptoKey | Uint8Array;
}

/**
 * Key import and thumbprint do not depend on the token, so the callback starts this while the code
 * exchange is in flight.
 */
export async function prepareResultKey(key: InstanceKey): Promise<ResultKey> {
  if (key.type === "oct") return { thumbprint: await instanceKeyThumbprint(key), alg: "dir", key: key.raw };
  const [thumbprint, publicKey] = await Promise.all([instanceKeyThumbprint(key), importPublicKey(key)]);
  return { thumbprint, alg: "ECDH-ES", key: publicKey };
}

/**
 * Encrypts the result to the instance key: compact JWE, ECDH-ES + A256GCM (RFC 7518 §4.6) to a
 * public key, or `dir` + A256GCM (RFC 7518 §4.5) with an `oct` key (empty JWE Encrypted Key),
 * never compressed; a JWT (RFC 7519) bound to the relay (`iss`), the instance key (`aud`, and `kid`
 * in the header) and the instance state, short-lived (`exp`) and unique (`jti`).
 */
export async function encryptResult(
  claims: ResultClaims,
  key: InstanceKey,
  issuer: string,
  now: number,
  /** `prepareResultKey(key)`, if the caller started it earlier. */
  prepared?: Promise<ResultKey>,
): Promise<string> {
  const resultKey = await (prepared ?? prepareResultKey(key));
  const payload = {
    ...claims,
    iss: issuer,
    aud: resultKey.thumbprint,
    iat: now,
    exp: now + RESULT_LIFETIME,
    jti: base64url.encode(crypto.getRandomValues(new Uint8Array(16))),
  };
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: resultKey.alg, enc: "A256GCM", typ: RESULT_TYP, kid: resultKey.thumbprint })
    .encrypt(resultKey.key);
}
