/**
 * Memory (7), run as a child: `node --expose-gc --import tsx bench/memory.ts <callbacks>`.
 * Runs in-process callbacks (cycling 1,000 pre-minted states; the relay is stateless so a state is
 * reusable within its TTL) and prints, as one JSON line, RSS and heap after a full GC at 1,000
 * callbacks and at <callbacks>.
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
const states = await mintStates(bench, "ms", 1000);
let at1k = snapshot();
for (let i = 0; i < total; i++) {
  const response = await msCallback(bench.app, states[i % states.length] as string, `code-${i}`);
  if (response.status !== 200) throw new Error(`callback ${i}: ${response.status}`);
  await response.arrayBuffer();
  if (i + 1 === 1000) at1k = snapshot();
}
const atEnd = snapshot();
process.stdout.write(`${JSON.stringify({ gc: gc !== undefined, total, at1k, atEnd })}\n`);
