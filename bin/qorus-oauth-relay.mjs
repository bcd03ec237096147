#!/usr/bin/env node
// CLI entry: the package runs TypeScript through tsx, so register it, then run src/cli.ts.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exit(await main(process.argv.slice(2)));
