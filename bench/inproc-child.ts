/**
 * Child process for the in-process measurements (1-3) of one engine:
 * `node --import tsx bench/inproc-child.ts node|webcrypto <quick>` prints the InprocResult as JSON.
 * In a child so that bench/run.ts can put a watchdog on it (see runChild there).
 */
import { webCryptoEngine } from "../src/crypto/webcrypto-engine.js";
import { nodeCryptoEngine } from "../src/node-crypto-engine.js";
import { runInproc } from "./inproc.js";
import { runPrimitives } from "./primitives.js";

const engine = process.argv[2] === "webcrypto" ? webCryptoEngine : nodeCryptoEngine;
const quick = process.argv[3] === "true";
const result = await runInproc(quick, engine);
// The primitives once per run, in the node-engine child.
const primitives = engine === nodeCryptoEngine ? await runPrimitives(quick) : undefined;
process.stdout.write(`${JSON.stringify({ ...result, primitives })}\n`);
