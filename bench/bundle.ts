/**
 * Worker bundle (5): `wrangler deploy --dry-run --outdir <tmp>` (the exact upload Cloudflare would
 * receive: scripts/build.mjs's dist/worker/relay.js, which wrangler uploads as it is), then its size,
 * gzipped at zlib's default level (the figure wrangler prints and the budget is set in) and at 9.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

export interface BundleResult {
  /** Bytes. */
  readonly emitted: number;
  /** gzip level 9. */
  readonly emittedGzip: number;
  /** zlib's default level, as wrangler counts it. */
  readonly wranglerGzip: number;
  /** Wrangler's own "Total Upload … / gzip: …" line. */
  readonly wranglerSays: string;
  /** The bundle itself, for the start-up measurement; the directory is removed by `cleanup`. */
  readonly path: string;
  cleanup(): Promise<void>;
}

const gzip = (data: Buffer | string) => gzipSync(data, { level: 9 }).length;

export async function runBundle(): Promise<BundleResult> {
  const outdir = await mkdtemp(join(tmpdir(), "relay-bench-bundle-"));
  const wrangler = join(process.cwd(), "node_modules", ".bin", "wrangler");
  const { stdout } = await promisify(execFile)(wrangler, ["deploy", "--dry-run", "--outdir", outdir], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
    maxBuffer: 16 * 1024 * 1024,
  });
  const wranglerSays = stdout.match(/Total Upload:[^\n]*/)?.[0].trim() ?? "";
  const file = (await readdir(outdir)).find((name) => name.endsWith(".js"));
  if (!file) throw new Error("wrangler emitted no .js file");
  const path = join(outdir, file);
  const code = await readFile(path, "utf8");
  return {
    emitted: Buffer.byteLength(code),
    emittedGzip: gzip(code),
    wranglerGzip: gzipSync(code).length,
    wranglerSays,
    path,
    cleanup: () => rm(outdir, { recursive: true, force: true }),
  };
}
