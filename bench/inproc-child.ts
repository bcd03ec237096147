/**
 * Child process for the in-process measurements (1-3):
 * `node --import tsx bench/inproc-child.ts <quick>` prints the InprocResult as JSON.
 * In a child so that bench/run.ts can put a watchdog on it (see runChild there).
 */
import { runInproc } from "./inproc.js";
import { runPrimitives } from "./primitives.js";

const quick = process.argv[2] === "true";
const result = await runInproc(quick);
const primitives = await runPrimitives(quick);
process.stdout.write(`${JSON.stringify({ ...result, primitives })}\n`);
