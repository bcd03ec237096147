/**
 * `npm run bench`: every measurement of docs/BENCHMARKS.md, printed as one table and written to
 * docs/BENCHMARKS.md with the machine description.
 *
 *   BENCH_QUICK=1      smoke version (< 60 s); prints only, writes nothing unless BENCH_WRITE=1
 *   BENCH_LABEL=name   label stored with the run (e.g. before / after) for the before/after table
 *   BENCH_ONLY=a,b     run only some parts: inproc, http, bundle, startup, memory
 *   BENCH_REPORT=1     measure nothing: re-render docs/BENCHMARKS.md from the kept runs (the
 *                      newest kept run as "latest"), e.g. after copying in runs made elsewhere
 *
 * Full runs are also kept as JSON in bench/results/, and docs/BENCHMARKS.md summarizes every kept
 * run by label (median and spread), so each figure in the docs comes from a run of this script.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BundleResult, runBundle } from "./bundle.js";
import { type HttpFigure, type HttpResult, runHttp } from "./http.js";
import type { InprocResult } from "./inproc.js";
import { runStartup, type StartupResult } from "./startup.js";
import { median } from "./stats.js";

const quick = process.env.BENCH_QUICK === "1";
const write = !quick || process.env.BENCH_WRITE === "1";
const label = process.env.BENCH_LABEL ?? "latest";
const only = new Set((process.env.BENCH_ONLY ?? "inproc,http,bundle,startup,memory").split(","));
const root = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = join(root, "bench", "results");
const docPath = join(root, "docs", "BENCHMARKS.md");

interface MemoryResult {
  readonly callbacks: number;
  readonly rssAt1k: number;
  readonly rssAtEnd: number;
  readonly heapAt1k: number;
  readonly heapAtEnd: number;
}

interface Results {
  /** The Node default engine (node:crypto); in runs made before it existed, WebCrypto (see `engine`). */
  inproc?: InprocResult;
  /** The same measurements with the WebCrypto engine, the code Workers run. */
  inprocWebcrypto?: InprocResult;
  http?: HttpResult;
  bundle?: Omit<BundleResult, "path" | "cleanup">;
  startup?: StartupResult;
  memory?: MemoryResult;
}

interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly date: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly commit: string;
}

interface Run {
  readonly label: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly results: Results;
}

function cpuModel(): string {
  try {
    return (
      readFileSync("/proc/cpuinfo", "utf8")
        .match(/^model name\s*:\s*(.+)$/m)?.[1]
        ?.trim() ?? "unknown"
    );
  } catch {
    return "unknown";
  }
}

function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: root }).toString().trim();
    return dirty ? `${head}+src changes` : head;
  } catch {
    return "unknown";
  }
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");

/**
 * Runs a bench script in a child process and returns its stdout. A watchdog kills a child that
 * takes longer than `minutes`, and the run is tried once more: on Node 20 the WebCrypto engine can
 * deadlock inside the process (KeyObject JWK export vs. GC; docs/BENCHMARKS.md "Hangs"), and one
 * stuck measurement must not cost the whole run.
 */
async function runChild(script: string, args: readonly string[], minutes: number, attempt = 1): Promise<string> {
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--import", "tsx", fileURLToPath(new URL(script, import.meta.url)), ...args],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, minutes * 60_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(watchdog);
  if (timedOut && attempt === 1) {
    process.stderr.write(`bench: ${script} ${args.join(" ")} stalled for ${minutes} min; killed, trying once more\n`);
    return runChild(script, args, minutes, 2);
  }
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${code}${timedOut ? " (stalled twice)" : ""}`);
  return out;
}

async function runMemory(callbacks: number): Promise<MemoryResult> {
  const out = await runChild("./memory.ts", [String(callbacks)], 5);
  const parsed = JSON.parse(out.trim()) as {
    total: number;
    at1k: { rss: number; heapUsed: number };
    atEnd: { rss: number; heapUsed: number };
  };
  return {
    callbacks: parsed.total,
    rssAt1k: parsed.at1k.rss,
    rssAtEnd: parsed.atEnd.rss,
    heapAt1k: parsed.at1k.heapUsed,
    heapAtEnd: parsed.atEnd.heapUsed,
  };
}

// ---------------------------------------------------------------------------------------------
// Figures: one list drives the printed table, the doc table and the before/after summary.

interface Figure {
  readonly id: string;
  readonly name: string;
  /** Number or null when the part was not run. */
  readonly value: (r: Results) => number | null;
  readonly unit: string;
  readonly digits: number;
  readonly target?: { readonly op: "<=" | ">="; readonly limit: number };
}

const ms = (v: number | undefined) => (v === undefined ? null : v);

/** A latency figure in milliseconds, three decimals: most of the table. */
function msFigure(id: string, name: string, pick: (r: Results) => number | undefined): Figure {
  return { id, name, value: (r) => ms(pick(r)), unit: "ms", digits: 3 };
}
const KiB = 1024;
const MiB = 1024 * 1024;

/** Runs from before the node:crypto engine measured WebCrypto only, under `inproc`. */
function webcryptoInproc(r: Results): InprocResult | undefined {
  return r.inprocWebcrypto ?? (r.inproc && (r.inproc.engine ?? "webcrypto") === "webcrypto" ? r.inproc : undefined);
}

/** Figures 1-3 for one engine; `tag` marks the WebCrypto rows. */
function inprocFigures(idPrefix: string, tag: string, pick: (r: Results) => InprocResult | undefined): Figure[] {
  return [
    msFigure(
      `${idPrefix}floor.median`,
      `1${tag}. crypto floor: openRelayState + encryptResult, median`,
      (r) => pick(r)?.cryptoFloor.median,
    ),
    msFigure(`${idPrefix}floor.p99`, `1${tag}. crypto floor, p99`, (r) => pick(r)?.cryptoFloor.p99),
    msFigure(`${idPrefix}open.median`, `1a${tag}. openRelayState alone, median`, (r) => pick(r)?.openState.median),
    msFigure(
      `${idPrefix}encrypt.median`,
      `1b${tag}. encryptResult (6 KB token, X25519) alone, median`,
      (r) => pick(r)?.encrypt.median,
    ),
    msFigure(
      `${idPrefix}callback.median`,
      `2${tag}. callback via app.request (instant upstream), median`,
      (r) => pick(r)?.callback.median,
    ),
    msFigure(`${idPrefix}callback.p99`, `2${tag}. callback, p99`, (r) => pick(r)?.callback.p99),
    {
      id: `${idPrefix}callback.ratio`,
      name: `2${tag}. callback median / crypto floor median`,
      value: (r) => {
        const inproc = pick(r);
        return inproc ? inproc.callback.median / inproc.cryptoFloor.median : null;
      },
      unit: "×",
      digits: 2,
      target: { op: "<=", limit: 1.5 },
    },
    {
      id: `${idPrefix}start.median`,
      name: `3${tag}. POST /v1/flows via app.request, median`,
      value: (r) => ms(pick(r)?.start.median),
      unit: "ms",
      digits: 3,
      target: { op: "<=", limit: 0.3 },
    },
    msFigure(`${idPrefix}start.p99`, `3${tag}. POST /v1/flows, p99`, (r) => pick(r)?.start.p99),
  ];
}

/** Figure 4 for the relay with one engine, against the same run's bare baseline. */
function httpFigures(idPrefix: string, tag: string, pick: (r: Results) => HttpFigure | undefined): Figure[] {
  const engineName = tag ? "WebCrypto engine" : "node:crypto engine";
  return [
    {
      id: `${idPrefix}http.relay.rps`,
      name: `4${tag}. HTTP relay callback (Node, 32 conn., ${engineName}), throughput`,
      value: (r) => pick(r)?.rps ?? null,
      unit: "req/s",
      digits: 0,
    },
    {
      id: `${idPrefix}http.relay.p99`,
      name: `4${tag}. HTTP relay callback (${engineName}), p99 latency`,
      value: (r) => pick(r)?.p99 ?? null,
      unit: "ms",
      digits: 0,
    },
    msFigure(
      `${idPrefix}http.relay.cpu`,
      `4${tag}. relay (${engineName}) process CPU per request`,
      (r) => pick(r)?.cpuMsPerRequest,
    ),
    {
      id: `${idPrefix}http.ratio`,
      name: `4${tag}. relay (${engineName}) / baseline throughput`,
      value: (r) => {
        const relay = pick(r);
        return relay && r.http ? relay.rps / r.http.baseline.rps : null;
      },
      unit: "×",
      digits: 2,
      target: { op: ">=", limit: 0.7 },
    },
  ];
}

const NODE_ENGINE = (r: Results) => (r.inproc && r.inproc.engine === "node" ? r.inproc : undefined);

/** Figure 0: one primitive, one call at a time, on both APIs. */
function primitiveFigures(): Figure[] {
  const ops = [
    ["keygen", "X25519 key pair"],
    ["derive", "X25519 key agreement"],
    ["digest50", "SHA-256 of 50 bytes"],
    ["aesGcm6k", "AES-256-GCM of 6 KB"],
  ] as const;
  return (["webcrypto", "node"] as const).flatMap((api) =>
    ops.map(([op, label]) =>
      msFigure(
        `primitive.${api}.${op}`,
        `0. ${api === "node" ? "node:crypto" : "WebCrypto"}: ${label}, median per call`,
        (r) => r.inproc?.primitives?.[api][op].median,
      ),
    ),
  );
}

const FIGURES: readonly Figure[] = [
  ...primitiveFigures(),
  ...inprocFigures("", "", NODE_ENGINE),
  ...inprocFigures("webcrypto.", "w", webcryptoInproc),
  msFigure(
    "bare.webcrypto.median",
    "1c. the floor's crypto on bare WebCrypto (no JOSE), median",
    (r) => r.inproc?.webcryptoFloor.median,
  ),
  msFigure(
    "bare.node.median",
    "1d. the floor's crypto on bare node:crypto (no JOSE), median",
    (r) => r.inproc?.nodeFloor?.median,
  ),
  ...httpFigures("", "", (r) => (r.http?.engine === "node" ? r.http.relay : undefined)),
  ...httpFigures(
    "webcrypto.",
    "w",
    (r) => r.http?.relayWebcrypto ?? (r.http && r.http.engine === undefined ? r.http.relay : undefined),
  ),
  {
    id: "http.baseline.rps",
    name: "4. HTTP bare baseline (same upstream), throughput",
    value: (r) => r.http?.baseline.rps ?? null,
    unit: "req/s",
    digits: 0,
  },
  msFigure("http.baseline.cpu", "4. bare baseline process CPU per request", (r) => r.http?.baseline.cpuMsPerRequest),
  {
    id: "http.baseline.p99",
    name: "4. HTTP bare baseline, p99 latency",
    value: (r) => r.http?.baseline.p99 ?? null,
    unit: "ms",
    digits: 0,
  },
  {
    id: "bundle.emitted",
    name: "5. Worker bundle as emitted by wrangler",
    value: (r) => (r.bundle ? r.bundle.emitted / KiB : null),
    unit: "KiB",
    digits: 1,
  },
  {
    id: "bundle.minified",
    name: "5. Worker bundle minified",
    value: (r) => (r.bundle ? r.bundle.minified / KiB : null),
    unit: "KiB",
    digits: 1,
  },
  {
    id: "bundle.gzip",
    name: "5. Worker bundle minified + gzip -9",
    value: (r) => (r.bundle ? r.bundle.minifiedGzip / KiB : null),
    unit: "KiB",
    digits: 1,
    target: { op: "<=", limit: 40 },
  },
  {
    id: "startup.workerd.relay",
    name: "6. workerd: new Miniflare → first 200 /healthz, relay",
    value: (r) => r.startup?.workerdRelay ?? null,
    unit: "ms",
    digits: 0,
  },
  {
    id: "startup.workerd.trivial",
    name: "6. workerd: same, one-line Worker",
    value: (r) => r.startup?.workerdTrivial ?? null,
    unit: "ms",
    digits: 0,
  },
  {
    id: "startup.workerd.own",
    name: "6. workerd: relay − one-line (module eval + config)",
    value: (r) => (r.startup ? r.startup.workerdRelay - r.startup.workerdTrivial : null),
    unit: "ms",
    digits: 0,
  },
  {
    id: "startup.node.relay",
    name: "6. Node: spawn `node --import tsx src/node.ts` → 200 /healthz",
    value: (r) => r.startup?.nodeRelay ?? null,
    unit: "ms",
    digits: 0,
  },
  {
    id: "startup.node.bare",
    name: "6. Node: spawn bare node:http server → 200",
    value: (r) => r.startup?.nodeBare ?? null,
    unit: "ms",
    digits: 0,
  },
  {
    id: "memory.rss1k",
    name: "7. RSS after 1,000 in-process callbacks",
    value: (r) => (r.memory ? r.memory.rssAt1k / MiB : null),
    unit: "MiB",
    digits: 1,
  },
  {
    id: "memory.rssEnd",
    name: "7. RSS after all in-process callbacks (see note)",
    value: (r) => (r.memory ? r.memory.rssAtEnd / MiB : null),
    unit: "MiB",
    digits: 1,
  },
  {
    id: "memory.heapGrowth",
    name: "7. heap used after GC: end − 1,000",
    value: (r) => (r.memory ? (r.memory.heapAtEnd - r.memory.heapAt1k) / MiB : null),
    unit: "MiB",
    digits: 2,
  },
];

function format(value: number | null, figure: Figure): string {
  if (value === null || !Number.isFinite(value)) return "–";
  return `${value.toLocaleString("en-US", { minimumFractionDigits: figure.digits, maximumFractionDigits: figure.digits })} ${figure.unit}`;
}

function verdict(value: number | null, figure: Figure): string {
  if (!figure.target || value === null) return "";
  const { op, limit } = figure.target;
  const met = op === "<=" ? value <= limit : value >= limit;
  return `${op === "<=" ? "≤" : "≥"} ${limit} ${figure.unit}: ${met ? "met" : "NOT met"}`;
}

function table(results: Results): string {
  const rows = FIGURES.filter((figure) => figure.value(results) !== null).map((figure) => {
    const value = figure.value(results);
    return `| ${figure.name} | ${format(value, figure)} | ${verdict(value, figure)} |`;
  });
  return ["| measurement | result | target |", "|---|--:|---|", ...rows].join("\n");
}

function machineText(machine: Machine): string {
  return [
    `- CPU: ${machine.cpus} × ${machine.cpuModel}; memory ${machine.memoryGiB.toFixed(1)} GiB`,
    `- Node ${machine.node}; commit ${machine.commit}; ${machine.date}`,
    `- load average (1/5/15 min) before the run: ${machine.loadBefore}; after: ${machine.loadAfter} (the machine is shared; other engineers' test runs show up here)`,
  ].join("\n");
}

function loadRuns(): Run[] {
  let files: string[] = [];
  try {
    files = readdirSync(resultsDir).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  return files
    .sort()
    .map((name) => JSON.parse(readFileSync(join(resultsDir, name), "utf8")) as Run)
    .filter((run) => !run.quick);
}

/** Median and min–max of every figure, per label, over the kept full runs. */
function summary(runs: readonly Run[]): string {
  const labels = [...new Set(runs.map((run) => run.label))];
  if (labels.length === 0) return "";
  const header = `| measurement | ${labels.map((name) => `${name} (n=${runs.filter((r) => r.label === name).length}): median [min–max]`).join(" | ")} |`;
  const rows = FIGURES.map((figure) => {
    const cells = labels.map((name) => {
      const values = runs
        .filter((run) => run.label === name)
        .map((run) => figure.value(run.results))
        .filter((v): v is number => v !== null && Number.isFinite(v));
      if (values.length === 0) return "–";
      const mid = median(values);
      const spread =
        values.length > 1
          ? ` [${format(Math.min(...values), figure).split(" ")[0]}–${format(Math.max(...values), figure).split(" ")[0]}]`
          : "";
      return `${format(mid, figure)}${spread}`;
    });
    return `| ${figure.name} | ${cells.join(" | ")} |`;
  });
  return [header, `|---|${labels.map(() => "--:").join("|")}|`, ...rows].join("\n");
}

async function main(): Promise<void> {
  if (process.env.BENCH_REPORT === "1") {
    const runs = loadRuns();
    const newest = runs.sort((a, b) => a.machine.date.localeCompare(b.machine.date)).at(-1);
    if (!newest) throw new Error("no kept runs in bench/results");
    const latest = table(newest.results);
    process.stdout.write(`\n${latest}\n\n${machineText(newest.machine)}\n`);
    writeFileSync(docPath, renderDoc(newest, latest, summary(runs)));
    return;
  }
  const loadBefore = load();
  const started = Date.now();
  const results: Results = {};
  const step = (name: string) =>
    process.stderr.write(`bench: ${name}… (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);

  if (only.has("inproc")) {
    step("in-process crypto floor, start and callback: node:crypto engine");
    results.inproc = JSON.parse(await runChild("./inproc-child.ts", ["node", String(quick)], 5)) as InprocResult;
    step("in-process crypto floor, start and callback: WebCrypto engine");
    results.inprocWebcrypto = JSON.parse(
      await runChild("./inproc-child.ts", ["webcrypto", String(quick)], 5),
    ) as InprocResult;
  }
  if (only.has("http")) {
    step("HTTP throughput: relay (both engines) and bare baseline");
    results.http = await runHttp(quick);
  }
  let bundlePath: string | null = null;
  let cleanup = async () => {};
  if (only.has("bundle") || only.has("startup")) {
    step("Worker bundle (wrangler deploy --dry-run)");
    const bundle = await runBundle();
    bundlePath = bundle.path;
    cleanup = bundle.cleanup;
    const { path: _path, cleanup: _cleanup, ...sizes } = bundle;
    results.bundle = sizes;
  }
  try {
    if (only.has("startup") && bundlePath) {
      step("start-up: workerd and Node");
      results.startup = await runStartup(bundlePath, quick);
    }
  } finally {
    await cleanup();
  }
  if (only.has("memory")) {
    const callbacks = quick ? 5_000 : 100_000;
    step(`memory: ${callbacks.toLocaleString("en-US")} in-process callbacks in a child process`);
    results.memory = await runMemory(callbacks);
  }

  const machine: Machine = {
    cpus: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    date: new Date().toISOString(),
    loadBefore,
    loadAfter: load(),
    commit: commit(),
  };
  const run: Run = { label, quick, machine, results };
  const latest = table(results);
  process.stdout.write(`\n${latest}\n\n${machineText(machine)}\n`);
  process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (!write) return;

  if (!quick) {
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, `${machine.date.replace(/[:.]/g, "-")}-${label}.json`),
      `${JSON.stringify(run, null, 2)}\n`,
    );
  }
  mkdirSync(join(root, "docs"), { recursive: true });
  writeFileSync(docPath, renderDoc(run, latest, summary(loadRuns())));
  process.stderr.write(`bench: wrote ${docPath}\n`);
}

function renderDoc(run: Run, latest: string, history: string): string {
  const notes = readNotes();
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts); do not edit by hand above the "Notes" section, which
is kept from the previous version of this file. Each full run is also stored in bench/results/.

## Latest run (label \`${run.label}\`${run.quick ? ", quick smoke run" : ""})

${machineText(run.machine)}

${latest}

## All kept runs, by label

Medians over the runs with that label, with [min–max] across runs.

${history || "(no full runs kept yet)"}

## How each figure is measured

Two crypto engines (src/crypto/engine.ts): rows without a letter are the **node:crypto engine**,
what \`npm start\` runs; rows marked **w** are the **WebCrypto engine** (jose), the code Workers run,
measured here on Node. Runs made before the node:crypto engine existed measured WebCrypto only;
the summary shows them in the w rows. In-process figures run with @hono/node-server's Request and
Response classes installed as globals, as they are once \`npm start\` serves (since the node
engine; earlier runs used undici's).

0. **Primitives** — one call at a time (500 warm-up, 3,000 timed) in the node-engine child: X25519 key
   pair (node:crypto with the public JWK made inside the job, as the engine does), X25519 key
   agreement, SHA-256 of 50 bytes, AES-256-GCM of 6 KB, on WebCrypto and on node:crypto.
1. **Crypto floor** — in-process, one operation at a time (500 warm-up, 3,000 timed): \`openRelayState\`
   on a freshly minted state, then \`encryptResult\` of a ~6 KB Microsoft-shaped token response
   (access, refresh and id tokens) to an X25519 instance key. 1a/1b time the two halves alone;
   1c/1d are the same cryptography written directly against WebCrypto / node:crypto (AES-GCM open;
   ephemeral X25519, Concat KDF, AES-GCM seal) with no JOSE framing — what no implementation on
   that API can go below.
2. **Callback** — \`app.request\` of a Microsoft-style \`POST /v1/callback/ms\` (form body, code +
   state + session_state) with an in-memory upstream that answers the ~6 KB token JSON at once;
   every callback uses its own state minted through \`POST /v1/flows\`. Whole response body read.
3. **Start** — \`app.request\` of \`POST /v1/flows\` (X25519 key, loopback return_to, app defaults),
   response JSON parsed.
4. **HTTP** — \`startNodeRelay\` (as \`npm start\`) in a child process, once per engine
   (\`CRYPTO_ENGINE\`); autocannon (32 connections, 2 s warm-up, then 10 s) in the parent, cycling
   \`GET /v1/callback/dropbox?code=…&state=…\` over 500 pre-minted states; each server is measured
   twice, in the order node, WebCrypto, baseline, baseline, WebCrypto, node, and the two passes
   averaged. The token endpoint is a node:http server in the parent answering the same ~6 KB JSON
   (the relay's Dropbox token URL is rewritten to it through the \`fetch\` option). The baseline (bench/baseline.ts) runs the same
   way: Hono on @hono/node-server, fetch to the same endpoint, 303 with the raw token in the URL.
   Two cores: the server under test has one, autocannon and the token endpoint share the other.
   "Process CPU per request" is the server process's user + system time (all its threads, from
   /proc) over the measured seconds, divided by the requests served.
5. **Bundle** — \`wrangler deploy --dry-run --outdir <tmp>\`; the emitted .js, re-minified with esbuild
   (no-op when wrangler already minified), gzip level 9. Wrangler's own line: \`${run.results.bundle?.wranglerSays ?? "–"}\`.
6. **Start-up** — workerd through Miniflare with the dry-run bundle: wall time from \`new Miniflare()\` to
   the first 200 of /healthz, next to a one-line Worker (workerd freezes clocks while JS runs, so the
   difference is the only honest view of module evaluation + first-request config/key import).
   Node: spawn → first 200 /healthz, next to a bare node:http server. Medians of 5 interleaved runs.
7. **Memory** — a child \`node --expose-gc --import tsx bench/memory.ts 100000\`: in-process callbacks
   cycling 1,000 pre-minted states; RSS and heap after two forced GCs at 1,000 and at 100,000.

## Notes

${notes}
`;
}

/** Keeps the hand-written "Notes" section of the existing doc across regenerations. */
function readNotes(): string {
  try {
    const text = readFileSync(docPath, "utf8");
    const index = text.indexOf("\n## Notes\n");
    if (index >= 0) return text.slice(index + "\n## Notes\n".length).trim();
  } catch {
    // no previous doc
  }
  return "(none yet)";
}

await main();
