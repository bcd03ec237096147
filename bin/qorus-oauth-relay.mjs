#!/usr/bin/env node
// CLI entry: the compiled CLI (dist/cli.js, built by `npm ci` / `npm run build`).
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("qorus-oauth-relay: not built yet; run `npm ci` (or `npm run build`) in the project first\n");
  process.exit(1);
}
const { main } = await import(cli.href);
// The environment is handed over here: src/cli may not read process.env (only `doctor` uses it).
process.exit(await main(process.argv.slice(2), undefined, process.env));
