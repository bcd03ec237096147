/**
 * In-process measurements (1-3): the crypto floor, one callback and one flow start through
 * `app.request`, each timed one operation at a time. The relay's crypto is jose on WebCrypto (the
 * only implementation since docs/DECISIONS.md #19); 1c/1d are the same cryptography on bare
 * WebCrypto and, as a reference, on bare node:crypto.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from "node:crypto";
import { base64url } from "jose";
import { openRelayState } from "../src/crypto/relay-state.js";
import { encryptResult } from "../src/crypto/result.js";
import { mintState, mintStates, msCallback, newBench, TOKEN, TOKEN_JSON, useNodeServerClasses } from "./fixtures.js";
import type { PrimitivesResult } from "./primitives.js";
import { type Latency, timeOps } from "./stats.js";

export interface InprocResult {
  /**
   * The relay's crypto measured: "webcrypto" (jose on WebCrypto) since DECISIONS #19; runs made while
   * a node:crypto engine existed have "node" here and the WebCrypto engine in `inprocWebcrypto`
   * (bench/run.ts); absent in runs before that engine (WebCrypto then).
   */
  readonly engine?: "node" | "webcrypto";
  readonly cryptoFloor: Latency;
  readonly openState: Latency;
  readonly encrypt: Latency;
  readonly webcryptoFloor: Latency;
  /** Absent in runs made before the node:crypto engine. */
  readonly nodeFloor?: Latency;
  readonly callback: Latency;
  readonly start: Latency;
  /** Per-call primitive costs (bench/primitives.ts); absent in runs before figure 0. */
  readonly primitives?: PrimitivesResult;
}

const now = () => Math.floor(Date.now() / 1000);

/** What the bare floors below work on: a sealed ~300-byte state and the instance's X25519 key. */
interface FloorInput {
  readonly stateKey: Uint8Array<ArrayBuffer>;
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly sealed: Uint8Array<ArrayBuffer>;
  readonly tag: Uint8Array<ArrayBuffer>;
  readonly instanceRaw: Uint8Array<ArrayBuffer>;
  readonly plaintext: Uint8Array<ArrayBuffer>;
}

function floorInput(instanceX: string): FloorInput {
  const stateKey = crypto.getRandomValues(new Uint8Array(32));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = createCipheriv("aes-256-gcm", stateKey, iv);
  const sealed = new Uint8Array(
    Buffer.concat([cipher.update(crypto.getRandomValues(new Uint8Array(260))), cipher.final()]),
  );
  const tag = new Uint8Array(cipher.getAuthTag());
  const plaintext = new TextEncoder().encode(TOKEN_JSON);
  return { stateKey, iv, sealed, tag, instanceRaw: base64url.decode(instanceX) as Uint8Array<ArrayBuffer>, plaintext };
}

const KDF_TAIL = new Uint8Array(30); // Concat KDF OtherInfo for A256GCM is 30 bytes; contents do not change the cost

/**
 * The same cryptography written directly against WebCrypto with nothing around it: AES-256-GCM
 * open of a ~300-byte state, then ECDH-ES (ephemeral X25519, Concat KDF, A256GCM) over the token
 * bytes. What no WebCrypto implementation of the protocol can go below on this runtime.
 */
async function webcryptoFloorOp(input: FloorInput, stateKey: CryptoKey): Promise<number> {
  const sealed = new Uint8Array(input.sealed.length + 16);
  sealed.set(input.sealed);
  sealed.set(input.tag, input.sealed.length);
  await crypto.subtle.decrypt({ name: "AES-GCM", iv: input.iv }, stateKey, sealed);
  const ephemeral = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const peer = await crypto.subtle.importKey("raw", input.instanceRaw, { name: "X25519" }, false, []);
  const shared = await crypto.subtle.deriveBits(
    { name: "X25519", public: peer } as EcdhKeyDeriveParams,
    ephemeral.privateKey,
    256,
  );
  await crypto.subtle.exportKey("raw", ephemeral.publicKey);
  const kdfInput = new Uint8Array(4 + 32 + KDF_TAIL.length);
  kdfInput.set([0, 0, 0, 1]);
  kdfInput.set(new Uint8Array(shared), 4);
  const cek = await crypto.subtle.digest("SHA-256", kdfInput);
  const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const out = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, input.plaintext);
  return out.byteLength;
}

type X25519WithJwk = (
  type: "x25519",
  options: { publicKeyEncoding: { format: "jwk" } },
) => { publicKey: JsonWebKey; privateKey: import("node:crypto").KeyObject };

/**
 * The same again on synchronous node:crypto: the least any Node implementation could do. A
 * reference only; the relay has no node:crypto code (DECISIONS #19).
 */
function nodeFloorOp(input: FloorInput): number {
  const decipher = createDecipheriv("aes-256-gcm", input.stateKey, input.iv);
  decipher.setAuthTag(input.tag);
  decipher.update(input.sealed);
  decipher.final();
  // The public JWK made inside the job, as the removed node:crypto engine did (exporting the
  // KeyObject afterwards could deadlock Node 20; DECISIONS #24). @types/node lacks this overload.
  const ephemeral = (generateKeyPairSync as unknown as X25519WithJwk)("x25519", {
    publicKeyEncoding: { format: "jwk" },
  });
  const peer = createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: base64url.encode(input.instanceRaw) },
    format: "jwk",
  });
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: peer });
  const cek = createHash("sha256")
    .update(new Uint8Array([0, 0, 0, 1]))
    .update(shared)
    .update(KDF_TAIL)
    .digest();
  const cipher = createCipheriv("aes-256-gcm", cek, crypto.getRandomValues(new Uint8Array(12)));
  const out = cipher.update(input.plaintext);
  cipher.final();
  cipher.getAuthTag();
  return out.length;
}

export async function runInproc(quick: boolean): Promise<InprocResult> {
  const warmup = quick ? 100 : 500;
  const samples = quick ? 400 : 3000;
  useNodeServerClasses();
  const bench = await newBench();
  const { config } = bench;

  // 3. Start cost — and the states it mints feed the callback measurement (one state per callback).
  const minted: string[] = [];
  const start = await timeOps(
    async () => {
      minted.push(await mintState(bench.app, bench.flowBody("ms")));
    },
    warmup,
    samples,
  );

  // 1. Crypto floor: open one relay state + encrypt the token to the instance key.
  const token = minted[0] as string;
  const opened = await openRelayState(token, config.stateKeys, now());
  if (typeof opened === "string") throw new Error(`openRelayState: ${opened}`);
  const claims = { state: opened.instanceState, app: "ms", server: "microsoft", tenant: null, token: TOKEN };
  const openState = await timeOps(() => openRelayState(token, config.stateKeys, now()), warmup, samples);
  const encrypt = await timeOps(
    () => encryptResult(claims, opened.instanceKey, config.relayUrl, now()),
    warmup,
    samples,
  );
  const cryptoFloor = await timeOps(
    async () => {
      const state = await openRelayState(token, config.stateKeys, now());
      if (typeof state === "string") throw new Error(state);
      return encryptResult(claims, state.instanceKey, config.relayUrl, now());
    },
    warmup,
    samples,
  );

  // 1c/1d. The same work straight on WebCrypto, and on node:crypto.
  const input = floorInput(bench.key.jwk.x);
  const webcryptoStateKey = await crypto.subtle.importKey("raw", input.stateKey, "AES-GCM", false, ["decrypt"]);
  const webcryptoFloor = await timeOps(() => webcryptoFloorOp(input, webcryptoStateKey), warmup, samples);
  const nodeFloor = await timeOps(async () => nodeFloorOp(input), warmup, samples);

  // 2. Callback cost: each callback uses its own state, minted by the start measurement above (a
  // state is good for one callback; the floor above only opens minted[0], which uses nothing up).
  const check = await msCallback(bench.app, (await mintStates(bench, "ms", 1))[0] as string, "check-code");
  const checkBody = await check.text();
  if (check.status !== 200 || !checkBody.includes('name="result"'))
    throw new Error(`callback check failed: ${check.status}`);
  const callback = await timeOps(
    async (i) => {
      const state = minted[i];
      if (state === undefined) throw new Error(`callback ${i}: no unused state left`);
      const response = await msCallback(bench.app, state, `code-${i}`);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`callback ${i}: ${response.status}`);
    },
    warmup,
    samples,
  );

  return { engine: "webcrypto", cryptoFloor, openState, encrypt, webcryptoFloor, nodeFloor, callback, start };
}
