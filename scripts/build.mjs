#!/usr/bin/env node
/**
 * Build: TypeScript → dist/, so `npm start` runs plain JavaScript (no compiler at start-up).
 * Run by `npm ci` (the `prepare` script) and by `npm start` (`prestart`), where it rebuilds only
 * when a source file is newer than the build.
 *
 *   dist/node.js          the Node entry (src/node/main.ts), dependencies bundled: one file to load
 *   dist/cli.js           the CLI (src/cli/main.ts), likewise
 *   dist/client/index.js  the reference client (src/client/index.ts) for `import … from
 *                         "qorus-oauth-relay/client"`, jose left as a dependency, with .d.ts types
 *
 * The Worker is built by wrangler from src/workers/, not here.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outputs = ["dist/node.js", "dist/cli.js", "dist/client/index.js", "dist/client/index.d.ts"];

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function upToDate() {
  const inputs = Math.max(newest(join(root, "src")), statSync(join(root, "package-lock.json")).mtimeMs);
  return outputs.every((file) => existsSync(join(root, file)) && statSync(join(root, file)).mtimeMs >= inputs);
}

if (process.argv.includes("--if-stale") && upToDate()) process.exit(0);

const started = performance.now();
// Bundled CommonJS dependencies may call require() for Node built-ins: give the ESM bundle one.
const banner = {
  js: 'import { createRequire as __relayRequire } from "node:module"; const require = __relayRequire(import.meta.url);',
};
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
if (!process.argv.includes("--quiet"))
  process.stderr.write(`build: dist/ written in ${Math.round(performance.now() - started)} ms\n`);
