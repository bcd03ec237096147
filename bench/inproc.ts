/**
 * In-process measurements (1-3): the crypto floor, one callback and one flow start through
 * `app.request`, each timed one operation at a time.
 */
import { base64url } from "jose";
import { openRelayState } from "../src/crypto/relay-state.js";
import { encryptResult } from "../src/crypto/result.js";
import { mintState, mintStates, msCallback, newBench, TOKEN, TOKEN_JSON } from "./fixtures.js";
import { type Latency, timeOps } from "./stats.js";

export interface InprocResult {
  readonly cryptoFloor: Latency;
  readonly openState: Latency;
  readonly encrypt: Latency;
  readonly webcryptoFloor: Latency;
  readonly callback: Latency;
  readonly start: Latency;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * The same cryptography written directly against WebCrypto with nothing around it: AES-256-GCM
 * open of a ~300-byte state, then ECDH-ES (ephemeral X25519, Concat KDF, A256GCM) over the token
 * bytes. What no implementation of the protocol can go below on this runtime.
 */
async function webcryptoFloorOp(
  stateKey: CryptoKey,
  sealed: { iv: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> },
  instanceRaw: Uint8Array<ArrayBuffer>,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<number> {
  await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, stateKey, sealed.data);
  const ephemeral = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const peer = await crypto.subtle.importKey("raw", instanceRaw, { name: "X25519" }, false, []);
  const shared = await crypto.subtle.deriveBits(
    { name: "X25519", public: peer } as EcdhKeyDeriveParams,
    ephemeral.privateKey,
    256,
  );
  await crypto.subtle.exportKey("raw", ephemeral.publicKey);
  const kdfInput = new Uint8Array(4 + 32 + 30);
  kdfInput.set([0, 0, 0, 1]);
  kdfInput.set(new Uint8Array(shared), 4);
  const cek = await crypto.subtle.digest("SHA-256", kdfInput);
  const aes = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const out = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, plaintext);
  return out.byteLength;
}

export async function runInproc(quick: boolean): Promise<InprocResult> {
  const warmup = quick ? 100 : 500;
  const samples = quick ? 400 : 3000;
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

  // 1b. The same work straight on WebCrypto.
  const rawKey = crypto.getRandomValues(new Uint8Array(32));
  const stateKey = await crypto.subtle.importKey("raw", rawKey, "AES-GCM", false, ["encrypt", "decrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, stateKey, crypto.getRandomValues(new Uint8Array(260))),
  );
  const instanceRaw = base64url.decode(bench.key.jwk.x) as Uint8Array<ArrayBuffer>;
  const plaintext = new TextEncoder().encode(TOKEN_JSON);
  const webcryptoFloor = await timeOps(
    () => webcryptoFloorOp(stateKey, { iv, data }, instanceRaw, plaintext),
    warmup,
    samples,
  );

  // 2. Callback cost: each callback uses its own freshly minted state.
  const check = await msCallback(bench.app, (await mintStates(bench, "ms", 1))[0] as string, "check-code");
  const checkBody = await check.text();
  if (check.status !== 200 || !checkBody.includes('name="result"'))
    throw new Error(`callback check failed: ${check.status}`);
  const callback = await timeOps(
    async (i) => {
      const response = await msCallback(bench.app, minted[i % minted.length] as string, `code-${i}`);
      await response.arrayBuffer();
    },
    warmup,
    samples,
  );

  return { cryptoFloor, openState, encrypt, webcryptoFloor, callback, start };
}
