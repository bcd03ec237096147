#!/usr/bin/env node
/**
 * Build: TypeScript → dist/, so `npm start` runs plain JavaScript (no compiler at start-up) and
 * wrangler uploads one prepared file. Run by `npm ci` (the `prepare` script: everything), by
 * `npm start` (`prestart`: the Node group, when a source file is newer than it), by wrangler (its
 * `[build]` command: the Worker group, likewise) and by the tests' global setup.
 *
 *   dist/node.js          the Node entry (src/node/main.ts), dependencies bundled: one file to load
 *   dist/cli.js           the CLI (src/cli/main.ts), likewise
 *   dist/client/index.js  the reference client (src/client/index.ts) for `import … from
 *                         "qorus-oauth-relay/client"`, jose left as a dependency, with .d.ts types
 *   dist/worker/*.js      the Workers entries (src/workers/relay.ts, sandbox.ts, qorus-bridge.ts),
 *                         each one minified file: what `wrangler deploy` uploads as it is
 *                         (wrangler.toml: `no_bundle`, `[build] command = "… --worker"`) and what
 *                         the workerd tests run
 *
 *   --if-stale   rebuild only a group (Node, Worker) whose sources are newer than its output
 *   --worker     the Worker group only (wrangler's build command)
 *   --node       the Node group only (`npm start`: a Node relay needs no Worker bundle)
 *   --quiet      no timing line
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { minify } from "terser";

const root = fileURLToPath(new URL("..", import.meta.url));
const NODE_OUTPUTS = ["dist/node.js", "dist/cli.js", "dist/client/index.js", "dist/client/index.d.ts"];
const WORKER_ENTRIES = {
  relay: "src/workers/relay.ts",
  sandbox: "src/workers/sandbox.ts",
  "qorus-bridge": "src/workers/qorus-bridge.ts",
};
const WORKER_OUTPUTS = Object.keys(WORKER_ENTRIES).map((name) => `dist/worker/${name}.js`);

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function upToDate(outputs) {
  const inputs = Math.max(
    newest(join(root, "src")),
    statSync(join(root, "package-lock.json")).mtimeMs,
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
  );
  return outputs.every((file) => existsSync(join(root, file)) && statSync(join(root, file)).mtimeMs >= inputs);
}

const ifStale = process.argv.includes("--if-stale");
const workerOnly = process.argv.includes("--worker");
const nodeOnly = process.argv.includes("--node");
const buildNode = !workerOnly && !(ifStale && upToDate(NODE_OUTPUTS));
const buildWorker = !nodeOnly && !(ifStale && upToDate(WORKER_OUTPUTS));
if (!buildNode && !buildWorker) process.exit(0);

const started = performance.now();
// Bundled CommonJS dependencies may call require() for Node built-ins: give the ESM bundle one.
const banner = {
  js: 'import { createRequire as __relayRequire } from "node:module"; const require = __relayRequire(import.meta.url);',
};
async function buildNodeGroup() {
  await Promise.all([
    build({
      absWorkingDir: root,
      entryPoints: { node: "src/node/main.ts", cli: "src/cli/main.ts" },
      outdir: "dist",
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      banner,
      logLevel: "warning",
    }),
    build({
      absWorkingDir: root,
      entryPoints: ["src/client/index.ts"],
      outfile: "dist/client/index.js",
      bundle: true,
      platform: "neutral",
      format: "esm",
      target: "es2022",
      packages: "external",
      logLevel: "warning",
    }),
  ]);
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.client.json"], {
    cwd: root,
    stdio: "inherit",
  });
}

/**
 * One Workers entry as wrangler would bundle it (its resolution conditions for workerd, its target),
 * minified by esbuild and then by terser. esbuild alone leaves ~1.5 KiB gzip that terser's second
 * pass takes out (inlining, better name mangling), and the relay entry has a 44 KiB gzip budget
 * (docs/BENCHMARKS.md, figure 5). Names are not kept: nothing reads function or class names at run
 * time (errors are never logged, src/app.ts onError), and keeping them costs ~3.5 KiB gzip.
 */
async function workerBundle(entry) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    target: "es2024",
    minify: true,
    keepNames: false,
    write: false,
    logLevel: "warning",
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  const minified = await minify(text, { module: true, ecma: 2020, compress: { passes: 2 }, mangle: true });
  if (minified.code === undefined) throw new Error(`terser produced no output for ${entry}`);
  return `${minified.code}\n`;
}

async function buildWorkerGroup() {
  mkdirSync(join(root, "dist/worker"), { recursive: true });
  for (const [name, entry] of Object.entries(WORKER_ENTRIES)) {
    writeFileSync(join(root, `dist/worker/${name}.js`), await workerBundle(entry));
  }
}

if (buildNode) await buildNodeGroup();
if (buildWorker) await buildWorkerGroup();
if (!process.argv.includes("--quiet"))
  process.stderr.write(`build: dist/ written in ${Math.round(performance.now() - started)} ms\n`);
