// Reproduces the Node 20 deadlock behind docs/DECISIONS.md #24 (not part of any test or bench).
//   node scripts/repro-node20-jwk-deadlock.mjs export 90   # generateKeyPairSync, then .export jwk
//   node scripts/repro-node20-jwk-deadlock.mjs inside 120  # publicKeyEncoding jwk (what the relay does)
// Prints "<mode> ok <iterations>" when the time is up. On Node 20.20.2 here, "export" stopped using
// CPU after ~12 s and never printed (gdb: KeyObjectHandle::ExportJWK → GC → ~KeyGenJob →
// pthread_mutex_lock); "inside" ran 1.43 million iterations in 120 s. Watch it with `top`; kill it.
import { createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";

const mode = process.argv[2] ?? "export";
const seconds = Number(process.argv[3] ?? 60);
const peer = createPublicKey(generateKeyPairSync("x25519").privateKey);
const junk = [];
const end = Date.now() + seconds * 1000;
let n = 0;
while (Date.now() < end) {
  for (let i = 0; i < 1000; i++, n++) {
    let privateKey;
    if (mode === "export") {
      const pair = generateKeyPairSync("x25519");
      privateKey = pair.privateKey;
      pair.publicKey.export({ format: "jwk" });
    } else {
      privateKey = generateKeyPairSync("x25519", { publicKeyEncoding: { format: "jwk" } }).privateKey;
    }
    diffieHellman({ privateKey, publicKey: peer });
    junk.push(`${"x".repeat(2000)}${n}`); // some allocation pressure, as a request handler has
    if (junk.length > 500) junk.length = 0;
  }
}
process.stdout.write(`${mode} ok ${n}\n`);
