/**
 * Module evaluation + configuration of Worker bundles side by side, for comparing commits (the
 * figure-6 V8 method of bench/startup.ts, interleaved so the machine's drift hits all bundles
 * alike): `npx tsx bench/compare-bundles.ts name=path.js name=path.js …`. Build a commit's bundle
 * with `wrangler deploy --dry-run --outdir <dir>` in a worktree of it. The configuration is two
 * apps every bundle since the first one understands (dropbox, microsoft), limits off.
 *
 * Env: COMPARE_ROUNDS (7), COMPARE_IMPORTS (50 per child, after 10 warm-up imports).
 */
import { generateStateKeyPair } from "../src/crypto/state-keys.js";
import { v8Once } from "./startup.js";

const bundles = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf("=");
  if (at < 1) throw new Error(`expected name=path.js, got ${JSON.stringify(arg)}`);
  return { name: arg.slice(0, at), path: arg.slice(at + 1) };
});
if (bundles.length < 2) throw new Error("usage: compare-bundles.ts name=path.js name=path.js …");

const env = {
  RELAY_URL: "https://relay.example.com",
  STATE_KEYS: generateStateKeyPair("k1"),
  APPS: JSON.stringify([
    { id: "dropbox", server: "dropbox", client_id: "dbx" },
    { id: "microsoft", server: "microsoft", client_id: "ms", tenant: "common" },
  ]),
  CLIENT_SECRET_DROPBOX: "s1",
  CLIENT_SECRET_MICROSOFT: "s2",
  RATE_LIMIT: "off",
};
const rounds = Number(process.env.COMPARE_ROUNDS ?? 7);
const imports = Number(process.env.COMPARE_IMPORTS ?? 50);

const results = new Map(bundles.map((bundle) => [bundle.name, { evaluation: [] as number[], first: [] as number[] }]));
for (let round = 0; round < rounds; round++) {
  // Alternate the order each round, so neither end of a round favours one bundle.
  for (const { name, path } of round % 2 === 0 ? bundles : [...bundles].reverse()) {
    const run = await v8Once(path, env, imports);
    results.get(name)?.evaluation.push(run.evaluation);
    results.get(name)?.first.push(run.firstRequest);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
for (const [name, { evaluation, first }] of results) {
  const e = median(evaluation);
  const f = median(first);
  console.log(
    `${name}: module evaluation ${e.toFixed(2)} ms + first /healthz ${f.toFixed(2)} ms = ${(e + f).toFixed(2)} ms (medians of ${rounds} children × ${imports} imports)`,
  );
}
