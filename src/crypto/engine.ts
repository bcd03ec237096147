import type { InstanceCurve, InstancePublicKey } from "./instance-key.js";
import type { StateKeyRing } from "./state-keys.js";

/**
 * Every cryptographic operation the relay performs, behind one seam. Two engines produce the same
 * objects (compact JWEs of the profiles below, RFC 7638 thumbprints, SHA-256):
 *
 * - `webcrypto` (src/crypto/webcrypto-engine.ts): jose on WebCrypto. The default, and what Workers runs.
 * - `node` (src/node-crypto-engine.ts): synchronous node:crypto, chosen by the Node entry. On Node
 *   each WebCrypto call is a thread-pool round trip (57 µs for a 50-byte SHA-256 against 2 µs on node:crypto; docs/BENCHMARKS.md, figure 0); a callback
 *   makes about nine (docs/BENCHMARKS.md). Outputs are checked against jose in
 *   test/unit/crypto-engines.test.ts, in both directions.
 *
 * Profiles: sealed objects are `dir` + A256GCM under the current STATE_KEYS key (RFC 7516; RFC 7518
 * §5.3); results are ECDH-ES + A256GCM to the instance key (RFC 7518 §4.6). Never compressed.
 */
export interface CryptoEngine {
  readonly name: "webcrypto" | "node";
  /** Prepares one STATE_KEYS key (32 bytes) once, at configuration time. */
  importStateKey(bytes: Uint8Array): Promise<StateKeyHandle>;
  /** Seals `plaintext` under the current state key, with the given `typ` (RFC 8725 §3.11). */
  seal(plaintext: Uint8Array, typ: string, keys: StateKeyRing): Promise<string>;
  /** Opens a sealed object of exactly this `typ`, or null (never throws). */
  unseal(token: string, typ: string, keys: StateKeyRing): Promise<Uint8Array | null>;
  /** Imports the instance key for encryption and computes its RFC 7638 thumbprint. */
  prepareResultKey(key: InstancePublicKey): Promise<ResultKey>;
  /** Encrypts `payload` to the instance key: protected header `{alg, enc, typ, kid: thumbprint, epk}`. */
  encryptToInstance(payload: Uint8Array, typ: string, key: ResultKey): Promise<string>;
  /** Off-curve P-256 points and small-order X25519 points (RFC 7748 §6.1) are unusable: checked at start. */
  isUsablePublicKey(key: InstancePublicKey): Promise<boolean>;
  sha256(data: Uint8Array): Promise<Uint8Array>;
}

/** A state key as the engine that imported it keeps it (WebCrypto CryptoKey, node:crypto KeyObject). */
export type StateKeyHandle = object;

/** The instance key made ready for encryption by one engine. */
export interface ResultKey {
  readonly crv: InstanceCurve;
  /** RFC 7638 thumbprint (SHA-256, base64url): the result's `kid` and `aud`. */
  readonly thumbprint: string;
  /** Engine-specific imported public key. */
  readonly handle: object;
}

/** The JWE profiles' fixed header members, shared so that both engines say the same thing. */
export const SEALED_ALG = "dir";
export const RESULT_ALG = "ECDH-ES";
export const CONTENT_ENC = "A256GCM";
