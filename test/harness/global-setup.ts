/**
 * Before any test file: the compiled build (dist/) that process-level tests run — `npm start` runs
 * `node dist/node.js`, the CLI runs dist/cli.js, workerd runs dist/worker/*.js as wrangler uploads
 * them — is rebuilt if any source is newer than it.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale", "--quiet"], { cwd: root, stdio: "inherit" });
}
