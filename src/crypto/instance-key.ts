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

const probeKeys = new Map<InstanceCurve, Promise<CryptoKeyPair>>();

function algorithm(crv: InstanceCurve): EcKeyImportParams | Algorithm {
  return crv === "X25519" ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" };
}

/**
 * Imports the instance key into WebCrypto from its raw bytes (X25519: the 32-byte u-coordinate;
 * P-256: the uncompressed point 0x04‖x‖y). Cheaper than a JWK import — no JWK object, no base64url
 * round trip — and equally strict: an off-curve P-256 point is refused here as well.
 */
export function importInstanceKey(key: InstancePublicKey): Promise<CryptoKey> {
  if (key.crv === "X25519") {
    return crypto.subtle.importKey("raw", key.raw as Uint8Array<ArrayBuffer>, algorithm("X25519"), true, []);
  }
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(key.raw, 1);
  return crypto.subtle.importKey("raw", point, algorithm("P-256"), true, []);
}

/**
 * Proves the key is usable before a flow starts: imports it and derives one shared secret with a
 * relay probe key. Off-curve P-256 points fail at import; small-order X25519 points (e.g. all
 * zeros) fail at derivation (RFC 7748 §6.1). Both runtimes reject them, with different errors, so
 * any failure counts.
 */
export async function isUsablePublicKey(key: InstancePublicKey): Promise<boolean> {
  const alg = algorithm(key.crv);
  let probe = probeKeys.get(key.crv);
  if (!probe) {
    probe = crypto.subtle.generateKey(alg, false, ["deriveBits"]) as Promise<CryptoKeyPair>;
    probeKeys.set(key.crv, probe);
  }
  try {
    // Raw rather than JWK import: same checks, less work per flow start (see bench/, docs/BENCHMARKS.md).
    const publicKey = await importInstanceKey(key);
    const bits = await crypto.subtle.deriveBits(
      { name: alg.name, public: publicKey } as EcdhKeyDeriveParams,
      (await probe).privateKey,
      256,
    );
    return new Uint8Array(bits).some((byte) => byte !== 0);
  } catch {
    return false;
  }
}
