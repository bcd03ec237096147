import { base64url } from "jose";
import * as z from "../schema.js";

/**
 * The instance's public key from `POST /v1/flows`: X25519 (RFC 8037) or P-256 (RFC 7518 §6.2).
 * Only public members are accepted; jose's importJWK would happily take a private JWK, so the
 * schema refuses `d` itself (RFC 8725 §3.4).
 */
const coordinate = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, "must be 43 base64url characters (32 bytes)"));
const optionalMembers = {
  alg: z.optional(z.literal("ECDH-ES", { error: 'if present, alg must be "ECDH-ES"' })),
  use: z.optional(z.literal("enc", { error: 'if present, use must be "enc"' })),
  kid: z.optional(z.string().check(z.maxLength(128))),
};

export const instanceKeySchema = z.pipe(
  z
    .unknown()
    .check(
      z.refine(
        (value) => !(typeof value === "object" && value !== null && ("d" in value || "p" in value || "k" in value)),
        "is a private key (has a private member): send only the public key",
      ),
    ),
  z.discriminatedUnion(
    "kty",
    [
      z.strictObject({
        kty: z.literal("OKP"),
        crv: z.literal("X25519", { error: "OKP keys must use crv X25519" }),
        x: coordinate,
        ...optionalMembers,
      }),
      z.strictObject({
        kty: z.literal("EC"),
        crv: z.literal("P-256", { error: "EC keys must use crv P-256" }),
        x: coordinate,
        y: coordinate,
        ...optionalMembers,
      }),
    ],
    {
      error:
        'must be an X25519 ({"kty":"OKP","crv":"X25519","x"}) or P-256 ({"kty":"EC","crv":"P-256","x","y"}) public JWK',
    },
  ),
);
export type InstanceKeyInput = z.infer<typeof instanceKeySchema>;

export type InstanceCurve = "X25519" | "P-256";

/** The key as it travels inside the relay state: curve + raw public bytes (x, or x‖y). */
export interface InstancePublicKey {
  readonly crv: InstanceCurve;
  readonly raw: Uint8Array;
}

export interface PublicJwk {
  kty: "OKP" | "EC";
  crv: InstanceCurve;
  x: string;
  y?: string;
}

export function toRawKey(jwk: InstanceKeyInput): InstancePublicKey {
  if (jwk.kty === "OKP") return { crv: "X25519", raw: base64url.decode(jwk.x) };
  const raw = new Uint8Array(64);
  raw.set(base64url.decode(jwk.x), 0);
  raw.set(base64url.decode(jwk.y), 32);
  return { crv: "P-256", raw };
}

export function toPublicJwk(key: InstancePublicKey): PublicJwk {
  if (key.crv === "X25519") return { kty: "OKP", crv: "X25519", x: base64url.encode(key.raw) };
  return {
    kty: "EC",
    crv: "P-256",
    x: base64url.encode(key.raw.subarray(0, 32)),
    y: base64url.encode(key.raw.subarray(32)),
  };
}

/**
 * The X25519 u-coordinates of small order (RFC 7748 §6.1; the same seven values libsodium refuses),
 * including the non-canonical encodings p and p+1, as little-endian hex. The shared secret with any
 * of them is all zeros, which both runtimes refuse at derivation time (WebCrypto: OperationError;
 * OpenSSL: error), so a result can never be encrypted to such a key; checking the list when the
 * flow starts only makes the failure early and clear, before the user signs in.
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
