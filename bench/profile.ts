/**
 * Profiling helper (not part of `npm run bench`):
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts [callback|start] [count]
 * then summarize the .cpuprofile with `node bench/profile-summary.mjs /tmp/prof/<file>`.
 */
import { mintStates, msCallback, newBench, useNodeServerClasses } from "./fixtures.js";

const what = process.argv[2] ?? "callback";
const count = Number(process.argv[3] ?? 20_000);
useNodeServerClasses();
const bench = await newBench();
if (what === "start") {
  await mintStates(bench, "ms", count);
} else {
  // One state per callback (a replayed state gets 400), minted in batches between the callbacks.
  let states: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 1000 === 0) states = await mintStates(bench, "ms", 1000);
    const response = await msCallback(bench.app, states[i % 1000] as string, `code-${i}`);
    if (response.status !== 200) throw new Error(`callback ${i}: ${response.status}`);
    await response.arrayBuffer();
  }
}
