/**
 * Per-call cost of the primitives a callback is made of (0), one call at a time, on Node's WebCrypto
 * (what the relay uses, through jose) and, as a reference, on synchronous node:crypto: the gap is
 * WebCrypto's fixed per-call cost on Node (argument normalization, CryptoKey objects, a thread-pool
 * round trip), the figure docs/DECISIONS.md #19 weighs when it asks whether a node:crypto
 * implementation would pay for itself again. The relay has no node:crypto code since #19.
 */
import {
  createCipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { type Latency, timeOps } from "./stats.js";

export interface PrimitivesResult {
  readonly webcrypto: { keygen: Latency; derive: Latency; digest50: Latency; aesGcm6k: Latency };
  readonly node: { keygen: Latency; derive: Latency; digest50: Latency; aesGcm6k: Latency };
}

/**
 * @types/node has no overload for `publicKeyEncoding: {format: "jwk"}`: the public JWK made inside
 * the job, as the removed node:crypto engine did (kept so that the row compares with stored runs).
 */
type X25519WithJwk = (
  type: "x25519",
  options: { publicKeyEncoding: { format: "jwk" } },
) => { publicKey: JsonWebKey; privateKey: KeyObject };

export async function runPrimitives(quick: boolean): Promise<PrimitivesResult> {
  const warmup = quick ? 100 : 500;
  const samples = quick ? 400 : 3000;
  const time = (op: () => unknown) => timeOps(async () => op(), warmup, samples);
  const subtle = crypto.subtle;
  const small = crypto.getRandomValues(new Uint8Array(50));
  const sixK = crypto.getRandomValues(new Uint8Array(6000));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aesBytes = crypto.getRandomValues(new Uint8Array(32));

  const pair = (await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const aes = await subtle.importKey("raw", aesBytes, "AES-GCM", false, ["encrypt"]);
  const webcrypto = {
    keygen: await time(() => subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])),
    derive: await time(() =>
      subtle.deriveBits({ name: "X25519", public: pair.publicKey } as EcdhKeyDeriveParams, pair.privateKey, 256),
    ),
    digest50: await time(() => subtle.digest("SHA-256", small)),
    aesGcm6k: await time(() => subtle.encrypt({ name: "AES-GCM", iv }, aes, sixK)),
  };

  const generate = generateKeyPairSync as unknown as X25519WithJwk;
  const own = generate("x25519", { publicKeyEncoding: { format: "jwk" } });
  const peer = createPublicKey({ key: { ...own.publicKey }, format: "jwk" });
  const node = {
    keygen: await time(() => generate("x25519", { publicKeyEncoding: { format: "jwk" } })),
    derive: await time(() => diffieHellman({ privateKey: own.privateKey, publicKey: peer })),
    digest50: await time(() => createHash("sha256").update(small).digest()),
    aesGcm6k: await time(() => {
      const cipher = createCipheriv("aes-256-gcm", aesBytes, iv);
      cipher.update(sixK);
      cipher.final();
      return cipher.getAuthTag();
    }),
  };
  return { webcrypto, node };
}
