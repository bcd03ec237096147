import { base64url, calculateJwkThumbprint } from "jose";
import * as z from "../schema.js";

/**
 * The instance's key from `POST /v1/flows`, one of three kinds:
 * - X25519 (RFC 8037) or P-256 (RFC 7518 §6.2) public key: results are ECDH-ES + A256GCM, the
 *   recommendation wherever the instance's platform has ECDH;
 * - a 32-byte symmetric `oct` key with `"alg":"dir"` (RFC 7518 §6.4): results are `dir` + A256GCM,
 *   for instances whose platform has AES-GCM but no ECDH (Qore). The key then travels inside the
 *   sealed relay state, so STATE_KEYS plus a captured relay state would open a captured result: the
 *   trade docs/PROTOCOL.md spells out.
 * For the public kinds only public members are accepted; jose's importJWK would happily take a
 * private JWK, so parseInstanceKey refuses `d` itself (RFC 8725 §3.4).
 */

/** What `key` must be, said when it is not an object or its `kty` is none of the three. */
const KEY_KINDS =
  'must be an X25519 ({"kty":"OKP","crv":"X25519","x"}) or P-256 ({"kty":"EC","crv":"P-256","x","y"}) public JWK, or a 32-byte {"kty":"oct","k","alg":"dir"} key';

/**
 * One strict schema per `kty` (RFC 7517 §4.1), built on first use (src/schema.ts). parseInstanceKey
 * picks the schema by `kty` itself rather than through a zod union: the Worker bundle then carries
 * no union code (docs/DECISIONS.md, the bundle budget).
 */
const keySchemas = z.onFirstUse(() => {
  const b64url32 = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, "must be 43 base64url characters (32 bytes)"));
  const optionalMembers = {
    use: z.optional(z.enum(["enc"], { error: 'if present, use must be "enc"' })),
    kid: z.optional(z.string().check(z.maxLength(128))),
  };
  const ecdhAlg = z.optional(z.enum(["ECDH-ES"], { error: 'if present, alg must be "ECDH-ES"' }));
  return {
    OKP: z.strictObject({
      kty: z.enum(["OKP"]),
      crv: z.enum(["X25519"], { error: "OKP keys must use crv X25519" }),
      x: b64url32,
      alg: ecdhAlg,
      ...optionalMembers,
    }),
    EC: z.strictObject({
      kty: z.enum(["EC"]),
      crv: z.enum(["P-256"], { error: "EC keys must use crv P-256" }),
      x: b64url32,
      y: b64url32,
      alg: ecdhAlg,
      ...optionalMembers,
    }),
    oct: z.strictObject({
      kty: z.enum(["oct"]),
      k: b64url32,
      alg: z.enum(["dir"], { error: 'oct keys need "alg":"dir" (results are dir + A256GCM)' }),
      ...optionalMembers,
    }),
  };
});

type KeySchemas = ReturnType<typeof keySchemas>;
export type InstanceKeyInput = z.infer<KeySchemas[keyof KeySchemas]>;

/**
 * The `key` member of `POST /v1/flows` (PROTOCOL §3.2) → the JWK, or what is wrong with it as
 * `key<path>: <message>`. A public kind carrying a private member is named as such before the
 * strict schema would call it an unknown field (RFC 8725 §3.4: never accept a private key here).
 */
export function parseInstanceKey(value: unknown): InstanceKeyInput | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `key: ${KEY_KINDS}`;
  const kty: unknown = (value as { kty?: unknown }).kty;
  if (kty !== "oct" && ("d" in value || "p" in value || "k" in value))
    return "key: is a private key (has a private member): send only the public key";
  const schemas = keySchemas();
  const schema = kty === "OKP" || kty === "EC" || kty === "oct" ? schemas[kty] : null;
  if (schema === null) return `key: ${KEY_KINDS}`;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : z.describeIssue("key", parsed.error);
}

export type InstanceKeyType = "X25519" | "P-256" | "oct";

/** The key as it travels inside the relay state: its type + raw bytes (x; x‖y; the AES key). */
export interface InstanceKey {
  readonly type: InstanceKeyType;
  readonly raw: Uint8Array;
}

/** Raw length per type: the relay state's binary record relies on it. */
export const KEY_LENGTH: Readonly<Record<InstanceKeyType, number>> = { X25519: 32, "P-256": 64, oct: 32 };

export function toInstanceKey(jwk: InstanceKeyInput): InstanceKey {
  if (jwk.kty === "OKP") return { type: "X25519", raw: base64url.decode(jwk.x) };
  if (jwk.kty === "oct") return { type: "oct", raw: base64url.decode(jwk.k) };
  const raw = new Uint8Array(64);
  raw.set(base64url.decode(jwk.x), 0);
  raw.set(base64url.decode(jwk.y), 32);
  return { type: "P-256", raw };
}

/** The JWK whose RFC 7638 thumbprint is the result's `kid` and `aud` (required members only). */
export function thumbprintJwk(key: InstanceKey): Record<string, string> {
  if (key.type === "oct") return { kty: "oct", k: base64url.encode(key.raw) };
  if (key.type === "X25519") return { kty: "OKP", crv: "X25519", x: base64url.encode(key.raw) };
  return {
    kty: "EC",
    crv: "P-256",
    x: base64url.encode(key.raw.subarray(0, 32)),
    y: base64url.encode(key.raw.subarray(32)),
  };
}

/** RFC 7638 SHA-256 thumbprint, base64url. */
export function instanceKeyThumbprint(key: InstanceKey): Promise<string> {
  return calculateJwkThumbprint(thumbprintJwk(key) as Parameters<typeof calculateJwkThumbprint>[0], "sha256");
}

/**
 * Imports the public key from its raw bytes (X25519: the 32-byte u-coordinate; P-256: the
 * uncompressed point 0x04‖x‖y). An off-curve P-256 point is refused here.
 */
export function importPublicKey(key: InstanceKey): Promise<CryptoKey> {
  if (key.type === "X25519") {
    return crypto.subtle.importKey("raw", key.raw as Uint8Array<ArrayBuffer>, { name: "X25519" }, true, []);
  }
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(key.raw, 1);
  return crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: "P-256" }, true, []);
}

/**
 * The X25519 u-coordinates of small order (RFC 7748 §6.1; the same seven values libsodium refuses),
 * including the non-canonical encodings p and p+1, as little-endian hex. The shared secret with any
 * of them is all zeros, which WebCrypto refuses at derivation time, so a result could never be
 * encrypted to such a key; checking the list when the flow starts makes the failure early and clear.
 */
const P = 2n ** 255n - 19n;
const SMALL_ORDER_X25519 = new Set(
  [
    0n,
    1n,
    325606250916557431795983626356110631294008115727848805560023387167927233504n,
    39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    P - 1n,
    P,
    P + 1n,
  ].map((u) => u.toString(16).padStart(64, "0").match(/../g)?.reverse().join("")),
);

/** True for a small-order X25519 key; the top bit is ignored, as X25519 itself does (RFC 7748 §5). */
export function isSmallOrderX25519(raw: Uint8Array): boolean {
  let hex = "";
  for (let i = 0; i < 32; i++) hex += ((i === 31 ? (raw[i] ?? 0) & 0x7f : (raw[i] ?? 0)) | 0x100).toString(16).slice(1);
  return SMALL_ORDER_X25519.has(hex);
}

/**
 * Why a well-formed key cannot be used, or null: an off-curve P-256 point, a small-order X25519
 * point, or an `oct` key whose 32 bytes are all equal (all zeros, say: a placeholder, not a key).
 */
export async function unusableKeyReason(key: InstanceKey): Promise<string | null> {
  if (key.type === "oct") {
    return key.raw.every((byte) => byte === key.raw[0])
      ? "key: an oct key whose bytes are all equal is not a key; send 32 random bytes"
      : null;
  }
  if (key.type === "X25519") {
    return isSmallOrderX25519(key.raw) ? "key: not a usable public key on its curve (small-order X25519 point)" : null;
  }
  try {
    await importPublicKey(key);
    return null;
  } catch {
    return "key: not a usable public key on its curve";
  }
}
