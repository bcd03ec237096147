/**
 * Memory (7), run as a child: `node --expose-gc --import tsx bench/memory.ts <callbacks>`.
 * Runs in-process callbacks, each with its own relay state (a state is good for one callback),
 * minted through POST /v1/flows in batches of 1,000 just before they are used, so that at most
 * 1,000 unused states are alive at once, as when the run cycled 1,000 states. Prints, as one JSON
 * line, RSS and heap after a full GC at 1,000 callbacks and at <callbacks>. What the relay itself
 * keeps per callback is in the heap figure: the one-use guard remembers a keyed hash of every used
 * state until it expires (Node: at most 200,000; src/node/limits.ts).
 */
import { mintStates, msCallback, newBench, useNodeServerClasses } from "./fixtures.js";

const total = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;

function snapshot() {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed };
}

useNodeServerClasses();
const bench = await newBench();
const BATCH = 1000;
let states = await mintStates(bench, "ms", BATCH);
let at1k = snapshot();
for (let i = 0; i < total; i++) {
  if (i > 0 && i % BATCH === 0) states = await mintStates(bench, "ms", BATCH);
  const response = await msCallback(bench.app, states[i % BATCH] as string, `code-${i}`);
  if (response.status !== 200) throw new Error(`callback ${i}: ${response.status}`);
  await response.arrayBuffer();
  if (i + 1 === 1000) at1k = snapshot();
}
const atEnd = snapshot();
process.stdout.write(`${JSON.stringify({ gc: gc !== undefined, total, at1k, atEnd })}\n`);
