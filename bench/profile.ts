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
  const states = await mintStates(bench, "ms", 1000);
  for (let i = 0; i < count; i++) {
    const response = await msCallback(bench.app, states[i % states.length] as string, `code-${i}`);
    await response.arrayBuffer();
  }
}
