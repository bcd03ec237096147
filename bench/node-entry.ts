/** The compiled Node entry that `npm start` runs, for the start-up figure (6) and `npm run load`. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** What `npm start` runs (relative to the repository root). */
export const NODE_ENTRY = "dist/node.js";

/**
 * `npm start`'s `prestart`: rebuilds dist/ (scripts/build.mjs) only when a source file is newer
 * than the build, so what is measured is the current src.
 */
export function buildNodeEntry(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--if-stale", "--quiet"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
}
