/**
 * `npm run bench`: every measurement of docs/BENCHMARKS.md, printed as one table and written to
 * docs/BENCHMARKS.md with the machine description. Options as flags after `--` or as variables:
 *
 *   --quick             BENCH_QUICK=1      smoke version (every figure, small counts, ~40 s here);
 *                                          prints only, writes nothing unless --write
 *   --write             BENCH_WRITE=1      with --quick: render the quick run into docs/BENCHMARKS.md
 *   --label NAME        BENCH_LABEL=NAME   label stored with the run (default "latest"), e.g. the
 *                                          Node version or the change being measured
 *   --only a,b          BENCH_ONLY=a,b     run only some parts: inproc, http, workerd-http, bundle,
 *                                          startup, memory
 *   --compare NAME      BENCH_COMPARE=NAME the label the summary compares the latest label with
 *                                          (default: the newest other label on the same Node major)
 *   --report            BENCH_REPORT=1     measure nothing: re-render docs/BENCHMARKS.md from the
 *                                          kept runs, e.g. after copying in runs made elsewhere
 *
 * Full runs are kept as JSON in bench/results/ (all of them: the history). docs/BENCHMARKS.md
 * shows the newest kept full run made on the headline runtime (Node 26, HEADLINE_NODE) and a short
 * summary across the runs with its label, so each figure in the docs comes from a run of this script.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type BundleResult, runBundle } from "./bundle.js";
import { STARTUP_APPS } from "./fixtures.js";
import { type HttpFigure, type HttpResult, runHttp } from "./http.js";
import type { InprocResult } from "./inproc.js";
import { runStartup, type StartupResult } from "./startup.js";
import { median } from "./stats.js";
import * as workerd from "./workerd-http.js";

/** The Node major the docs are for (the active LTS); runs on other versions are kept, not shown. */
const HEADLINE_NODE = 26;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean" },
    write: { type: "boolean" },
    report: { type: "boolean" },
    label: { type: "string" },
    only: { type: "string" },
    compare: { type: "string" },
  },
});
const quick = flags.quick === true || process.env.BENCH_QUICK === "1";
const write = !quick || flags.write === true || process.env.BENCH_WRITE === "1";
const reportOnly = flags.report === true || process.env.BENCH_REPORT === "1";
const label = flags.label ?? process.env.BENCH_LABEL ?? "latest";
const compareLabel = flags.compare ?? process.env.BENCH_COMPARE;
const PARTS = ["inproc", "http", "workerd-http", "bundle", "startup", "memory"];
const only = new Set((flags.only ?? process.env.BENCH_ONLY ?? PARTS.join(",")).split(",").map((part) => part.trim()));
for (const part of only)
  if (!PARTS.includes(part)) throw new Error(`unknown part "${part}"; parts: ${PARTS.join(", ")}`);
if (!/^[A-Za-z0-9._-]{1,64}$/.test(label)) throw new Error("--label: 1-64 characters of A-Z a-z 0-9 . _ -");
const root = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = join(root, "bench", "results");
const docPath = join(root, "docs", "BENCHMARKS.md");

interface MemoryResult {
  readonly callbacks: number;
  readonly rssAt1k: number;
  readonly rssAtEnd: number;
  readonly heapAt1k: number;
  readonly heapAtEnd: number;
  /** Each callback with its own state (since one use per state); absent in runs that cycled 1,000. */
  readonly statePerCallback?: boolean;
}

interface Results {
  /**
   * Figures 0-3 (and 1c/1d). Since DECISIONS #19 the relay's one implementation, jose on WebCrypto
   * (`engine: "webcrypto"`); in runs made while a node:crypto engine existed, that engine
   * (`engine: "node"`), with the WebCrypto engine in `inprocWebcrypto`; before it, WebCrypto.
   */
  inproc?: InprocResult;
  /** Engine-era runs only: figures 1-3 with the WebCrypto engine. */
  inprocWebcrypto?: InprocResult;
  http?: HttpResult;
  /** Figure 4k (absent in runs made before it). */
  workerdHttp?: workerd.WorkerdHttpResult;
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

const nodeMajor = (version: string) => Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);

/**
 * Runs a bench script in a child process and returns its stdout. A watchdog kills a child that
 * takes longer than `minutes`, and the run is tried once more: one stuck measurement must not cost
 * the whole run (on Node 20 a process could deadlock in KeyObject JWK export, DECISIONS #24).
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
    statePerCallback: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Figures: one list drives the printed table, the doc table and the summary across runs.

interface Figure {
  readonly id: string;
  readonly name: string;
  /** Number or null when the part was not run (or the run measured something else). */
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

/**
 * Figures 1-3 of the relay's crypto as it is now, jose on WebCrypto: in runs made while the
 * node:crypto engine existed, their WebCrypto-engine measurement (the same code and method), so
 * that every kept run compares.
 */
function relayInproc(r: Results): InprocResult | undefined {
  return r.inprocWebcrypto ?? (r.inproc && r.inproc.engine !== "node" ? r.inproc : undefined);
}

/** Figure 4's relay, likewise: the WebCrypto engine's pass in engine-era runs. */
function relayHttp(r: Results): HttpFigure | undefined {
  return r.http?.relayWebcrypto ?? (r.http && r.http.engine !== "node" ? r.http.relay : undefined);
}

/** Figure 0: one primitive, one call at a time, on WebCrypto (the relay's) and node:crypto (reference). */
function primitiveFigures(): Figure[] {
  const ops = [
    ["keygen", "X25519 key pair"],
    ["derive", "X25519 key agreement"],
    ["digest50", "SHA-256 of 50 bytes"],
    ["aesGcm6k", "AES-256-GCM of 6 KB"],
  ] as const;
  return (["webcrypto", "node"] as const).flatMap((api) =>
    ops.map(([op, name]) =>
      msFigure(
        `primitive.${api}.${op}`,
        `0. ${api === "node" ? "node:crypto (reference)" : "WebCrypto"}: ${name}, median per call`,
        (r) => r.inproc?.primitives?.[api][op].median,
      ),
    ),
  );
}

const FIGURES: readonly Figure[] = [
  ...primitiveFigures(),
  msFigure(
    "floor.median",
    "1. crypto floor: openRelayState + encryptResult, median",
    (r) => relayInproc(r)?.cryptoFloor.median,
  ),
  msFigure("floor.p99", "1. crypto floor, p99", (r) => relayInproc(r)?.cryptoFloor.p99),
  msFigure("open.median", "1a. openRelayState alone, median", (r) => relayInproc(r)?.openState.median),
  msFigure(
    "encrypt.median",
    "1b. encryptResult (6 KB token, X25519) alone, median",
    (r) => relayInproc(r)?.encrypt.median,
  ),
  msFigure(
    "bare.webcrypto.median",
    "1c. the floor's crypto on bare WebCrypto (no JOSE), median",
    (r) => r.inproc?.webcryptoFloor.median,
  ),
  msFigure(
    "bare.node.median",
    "1d. the floor's crypto on bare node:crypto (no JOSE; reference), median",
    (r) => r.inproc?.nodeFloor?.median,
  ),
  msFigure(
    "callback.median",
    "2. callback via app.request (instant upstream), median",
    (r) => relayInproc(r)?.callback.median,
  ),
  msFigure("callback.p99", "2. callback, p99", (r) => relayInproc(r)?.callback.p99),
  {
    id: "callback.ratio",
    name: "2. callback median / crypto floor median",
    value: (r) => {
      const inproc = relayInproc(r);
      return inproc ? inproc.callback.median / inproc.cryptoFloor.median : null;
    },
    unit: "×",
    digits: 2,
    target: { op: "<=", limit: 1.5 },
  },
  {
    id: "start.median",
    name: "3. POST /v1/flows via app.request, median",
    value: (r) => ms(relayInproc(r)?.start.median),
    unit: "ms",
    digits: 3,
    target: { op: "<=", limit: 0.3 },
  },
  msFigure("start.p99", "3. POST /v1/flows, p99", (r) => relayInproc(r)?.start.p99),
  {
    id: "http.relay.rps",
    name: "4. HTTP relay callback (Node, 32 conn.), throughput",
    value: (r) => relayHttp(r)?.rps ?? null,
    unit: "req/s",
    digits: 0,
  },
  {
    id: "http.relay.p99",
    name: "4. HTTP relay callback, p99 latency",
    value: (r) => relayHttp(r)?.p99 ?? null,
    unit: "ms",
    digits: 0,
  },
  msFigure("http.relay.cpu", "4. relay process CPU per request", (r) => relayHttp(r)?.cpuMsPerRequest),
  {
    id: "http.ratio",
    name: "4. relay / baseline throughput",
    value: (r) => {
      const relay = relayHttp(r);
      return relay && r.http ? relay.rps / r.http.baseline.rps : null;
    },
    unit: "×",
    digits: 2,
    target: { op: ">=", limit: 0.7 },
  },
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
    id: "workerd.relay.rps",
    name: "4k. workerd: relay callback throughput (production bundle, 32 conn.)",
    value: (r) => r.workerdHttp?.relay.rps ?? null,
    unit: "req/s",
    digits: 0,
  },
  {
    id: "workerd.relay.p99",
    name: "4k. workerd: relay callback, p99 latency",
    value: (r) => r.workerdHttp?.relay.p99 ?? null,
    unit: "ms",
    digits: 0,
  },
  msFigure(
    "workerd.relay.cpu",
    "4k. workerd: relay, workerd process CPU per request",
    (r) => r.workerdHttp?.relay.cpuMsPerRequest,
  ),
  {
    id: "workerd.ratio",
    name: "4k. workerd relay / bare Worker throughput",
    value: (r) => (r.workerdHttp ? r.workerdHttp.relay.rps / r.workerdHttp.bare.rps : null),
    unit: "×",
    digits: 2,
  },
  {
    id: "workerd.bare.rps",
    name: "4k. workerd: bare Worker (same upstream), throughput",
    value: (r) => r.workerdHttp?.bare.rps ?? null,
    unit: "req/s",
    digits: 0,
  },
  msFigure(
    "workerd.bare.cpu",
    "4k. workerd: bare Worker, workerd process CPU per request",
    (r) => r.workerdHttp?.bare.cpuMsPerRequest,
  ),
  {
    id: "workerd.bare.p99",
    name: "4k. workerd: bare Worker, p99 latency",
    value: (r) => r.workerdHttp?.bare.p99 ?? null,
    unit: "ms",
    digits: 0,
  },
  {
    id: "bundle.emitted",
    name: "5. Worker bundle as uploaded",
    value: (r) => (r.bundle ? r.bundle.emitted / KiB : null),
    unit: "KiB",
    digits: 1,
  },
  {
    id: "bundle.gzip.wrangler",
    name: "5. Worker bundle + gzip, as wrangler reports it",
    value: (r) => (r.bundle?.wranglerGzip !== undefined ? r.bundle.wranglerGzip / KiB : null),
    unit: "KiB",
    digits: 2,
    // Also enforced by test/sandbox/worker-entries.test.ts.
    target: { op: "<=", limit: 44 },
  },
  {
    id: "bundle.gzip",
    name: "5. Worker bundle + gzip -9",
    value: (r) => (r.bundle ? r.bundle.emittedGzip / KiB : null),
    unit: "KiB",
    digits: 1,
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
    id: "startup.v8.evaluation",
    name: "6. V8: relay Worker bundle, module evaluation, median",
    value: (r) => r.startup?.v8?.evaluation ?? null,
    unit: "ms",
    digits: 2,
  },
  {
    id: "startup.v8.configuration",
    name: "6. V8: then the first /healthz (configuration), median",
    value: (r) => r.startup?.v8?.firstRequest ?? null,
    unit: "ms",
    digits: 2,
  },
  {
    // Runs that spawned `node --import tsx src/node.ts` measured something else: no value here.
    id: "startup.node.dist",
    name: "6. Node: spawn `node dist/node.js` (npm start) → 200 /healthz",
    value: (r) => (r.startup?.nodeEntry === "dist/node.js" ? r.startup.nodeRelay : null),
    unit: "ms",
    digits: 0,
    target: { op: "<=", limit: 150 },
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
    name: "7. RSS after all in-process callbacks",
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

/**
 * What a run measured differently from the method below, read from its JSON: runs made before the
 * relay had one engine, one use per state and a compiled Node entry are kept and shown, with this.
 */
function caveats(run: Run): string[] {
  const r = run.results;
  const out: string[] = [];
  if (r.inproc?.engine === "node" || r.http?.engine === "node")
    out.push(
      "This run was made while the relay had two crypto engines: figures 1-4 show its WebCrypto-engine measurements (jose on WebCrypto, the implementation the relay now has); figures 0, 1c and 1d do not depend on the engine; figure 7 ran the node:crypto engine.",
    );
  if (r.http && !r.http.oneStatePerRequest)
    out.push("Figure 4 cycled 500 pre-minted states (before one use per state); the relay had no abuse limits then.");
  if (r.startup && r.startup.nodeEntry !== "dist/node.js")
    out.push(
      "Figure 6's Node relay was spawned as `node --import tsx src/node.ts` then (not comparable; not shown); workerd ran the two bench apps.",
    );
  if (r.memory && !r.memory.statePerCallback) out.push("Figure 7 cycled 1,000 states (before one use per state).");
  return out;
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
    .filter((run) => !run.quick)
    .sort((a, b) => a.machine.date.localeCompare(b.machine.date));
}

/** A run of every part (not `--only`). */
const complete = (run: Run) =>
  Boolean(run.results.inproc && run.results.http && run.results.bundle && run.results.startup && run.results.memory);

/**
 * The run the doc shows: the newest kept full run of every part on the headline Node major (else
 * the newest complete run, else the newest).
 */
function newestHeadlineRun(runs: readonly Run[]): Run | undefined {
  const headline = runs.filter((run) => complete(run) && nodeMajor(run.machine.node) === HEADLINE_NODE);
  return headline.at(-1) ?? runs.filter(complete).at(-1) ?? runs.at(-1);
}

/**
 * Median and min–max of every figure over the kept full runs with the latest run's label (same
 * Node major), next to one other label: `--compare`, else the newest other label on that Node major
 * with a run of every part.
 */
function summary(runs: readonly Run[], latest: Run): string {
  const major = nodeMajor(latest.machine.node);
  const sameNode = runs.filter((run) => nodeMajor(run.machine.node) === major);
  const other =
    compareLabel ??
    sameNode
      .filter((run) => run.label !== latest.label && complete(run))
      .map((run) => run.label)
      .at(-1);
  const columns = [latest.label, ...(other !== undefined && other !== latest.label ? [other] : [])]
    .map((name) => ({
      name,
      runs: (name === latest.label ? sameNode : runs).filter((run) => run.label === name),
    }))
    .filter((column) => column.runs.length > 0);
  if (columns.length === 0) return "";
  const header = `| measurement | ${columns
    .map(({ name, runs: kept }) => {
      const nodes = [...new Set(kept.map((run) => run.machine.node))].join(", ");
      return `\`${name}\` (n=${kept.length}, Node ${nodes}): median [min–max]`;
    })
    .join(" | ")} |`;
  const rows = FIGURES.flatMap((figure) => {
    const cells = columns.map(({ runs: kept }) => {
      const values = kept
        .map((run) => figure.value(run.results))
        .filter((v): v is number => v !== null && Number.isFinite(v));
      if (values.length === 0) return "–";
      const spread =
        values.length > 1
          ? ` [${format(Math.min(...values), figure).split(" ")[0]}–${format(Math.max(...values), figure).split(" ")[0]}]`
          : "";
      return `${format(median(values), figure)}${spread}`;
    });
    return cells.every((cell) => cell === "–") ? [] : [`| ${figure.name} | ${cells.join(" | ")} |`];
  });
  return [header, `|---|${columns.map(() => "--:").join("|")}|`, ...rows].join("\n");
}

function writeDoc(run: Run, runs: readonly Run[]): void {
  const latest = table(run.results);
  mkdirSync(join(root, "docs"), { recursive: true });
  writeFileSync(docPath, renderDoc(run, latest, summary(runs, run)));
  process.stderr.write(`bench: wrote ${docPath} (latest: ${run.label}, ${run.machine.date})\n`);
}

async function main(): Promise<void> {
  if (reportOnly) {
    const runs = loadRuns();
    const newest = newestHeadlineRun(runs);
    if (!newest) throw new Error("no kept runs in bench/results");
    process.stdout.write(`\n${table(newest.results)}\n\n${machineText(newest.machine)}\n`);
    writeDoc(newest, runs);
    return;
  }
  const loadBefore = load();
  const started = Date.now();
  const results: Results = {};
  const step = (name: string) =>
    process.stderr.write(`bench: ${name}… (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  if (nodeMajor(process.version) !== HEADLINE_NODE)
    process.stderr.write(
      `bench: Node ${process.version}; docs/BENCHMARKS.md shows Node ${HEADLINE_NODE} runs (this one is kept in bench/results/ all the same)\n`,
    );

  if (only.has("inproc")) {
    step("in-process: primitives, crypto floor, start and callback");
    results.inproc = JSON.parse(await runChild("./inproc-child.ts", [String(quick)], 5)) as InprocResult;
  }
  if (only.has("http")) {
    step("HTTP throughput: relay and bare baseline");
    results.http = await runHttp(quick);
  }
  let bundlePath: string | null = null;
  let cleanup = async () => {};
  if (only.has("bundle") || only.has("startup") || only.has("workerd-http")) {
    step("Worker bundle (wrangler deploy --dry-run)");
    const bundle = await runBundle();
    bundlePath = bundle.path;
    cleanup = bundle.cleanup;
    const { path: _path, cleanup: _cleanup, ...sizes } = bundle;
    results.bundle = sizes;
  }
  try {
    if (only.has("startup") && bundlePath) {
      step("start-up: workerd and Node (dist/node.js, built if stale)");
      results.startup = await runStartup(bundlePath, quick);
    }
    if (only.has("workerd-http") && bundlePath) {
      step("HTTP throughput on workerd: relay (the bundle) and bare Worker");
      results.workerdHttp = await workerd.runWorkerdHttp(bundlePath, quick);
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
  process.stdout.write(`\n${table(results)}\n\n${machineText(machine)}\n`);
  process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (!write) return;

  if (quick) {
    // A smoke run renders itself (marked as such) and is not kept.
    writeDoc(run, loadRuns());
    return;
  }
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${machine.date.replace(/[:.]/g, "-")}-${label}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  process.stderr.write(`bench: kept ${file}\n`);
  const runs = loadRuns();
  const shown = newestHeadlineRun(runs);
  if (shown) writeDoc(shown, runs);
}

/** "dropbox, microsoft (vars tenant), …" for the method text. */
function startupApps(): string {
  return STARTUP_APPS.map((app) => {
    const vars = "vars" in app && app.vars ? ` (${Object.keys(app.vars).join(", ")})` : "";
    return `${app.server}${vars}`;
  }).join(", ");
}

function renderDoc(run: Run, latest: string, history: string): string {
  const notes = readNotes();
  const caveatText = caveats(run)
    .map((line) => `> ${line}`)
    .join("\n>\n");
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts); do not edit by hand above the "Notes" section, which
is kept from the previous version of this file. It shows the newest full run on Node ${HEADLINE_NODE} (the
headline runtime); every full run, on any Node, is kept as JSON in bench/results/ (the history).
Full run: \`npm run bench -- --label <name>\`; smoke run: \`npm run bench -- --quick\`.

## Latest run (label \`${run.label}\`${run.quick ? ", quick smoke run" : ""})

${machineText(run.machine)}
${caveatText ? `\n${caveatText}\n` : ""}
${latest}

## Summary across runs

Median over the kept full runs with the latest run's label on the same Node major, with [min–max]
across runs, next to one other label for comparison: by default the newest other label on that Node
major (\`npm run bench -- --report --compare <label>\` picks another).

${history || "(no full runs with this label kept yet)"}

## How each figure is measured

The relay has one crypto implementation, jose on WebCrypto, on Node and on Workers
(docs/DECISIONS.md #19). Runs kept from while a node:crypto engine existed show their
WebCrypto-engine measurements in figures 1-4 (same code path, same method), so they compare with
new runs. The measured relay has the abuse limits off (\`RATE_LIMIT=off\`: by default a client gets
20 requests per minute per route, and the load generator is one client); the one-use rule for
relay states cannot be turned off, so every callback below has a state of its own, minted through
\`POST /v1/flows\` with the same key, and its keyed-hash check is in every callback figure.
In-process figures run in a child process with @hono/node-server's Request and Response classes
installed as globals, as they are once \`npm start\` serves.

0. **Primitives** — one call at a time (500 warm-up, 3,000 timed): X25519 key pair, X25519 key
   agreement, SHA-256 of 50 bytes, AES-256-GCM of 6 KB, on WebCrypto (what jose calls) and, as a
   reference, on node:crypto (key pair with the public JWK made inside the job). The relay has no
   node:crypto code; the node:crypto rows show WebCrypto's fixed per-call cost on Node, the figure
   DECISIONS #19 weighs (would a node:crypto implementation pay for itself again?).
1. **Crypto floor** — in-process, one operation at a time (500 warm-up, 3,000 timed): \`openRelayState\`
   on a freshly minted state, then \`encryptResult\` of a ~6 KB Microsoft-shaped token response
   (access, refresh and id tokens) to an X25519 instance key. 1a/1b time the two halves alone;
   1c is the same cryptography written directly against WebCrypto (AES-GCM open; ephemeral X25519,
   Concat KDF, AES-GCM seal) with no JOSE framing — what no implementation on WebCrypto can go
   below; 1d is that on node:crypto, a reference for what Node itself could do.
2. **Callback** — \`app.request\` of a Microsoft-style \`POST /v1/callback/ms\` (form body, code +
   state + session_state) with an in-memory upstream that answers the ~6 KB token JSON at once;
   every callback uses its own state, the ones minted by figure 3. Whole response body read.
3. **Start** — \`app.request\` of \`POST /v1/flows\` (X25519 key, loopback return_to, app defaults),
   response JSON parsed.
4. **HTTP** — \`startNodeRelay\` (the server \`npm start\` runs; from src through tsx here, so that
   the upstream fetch can be handed in) in a child process; autocannon (32 connections, 2 s
   warm-up, then 10 s) in the parent sending \`GET /v1/callback/dropbox?code=…&state=…\`, every
   request with a state of its own: the states for the warm-up are minted before the server
   starts, those for the measured seconds after the warm-up (its rate × 1.5 + 1,000; a pass that
   runs out fails). The bare baseline cycles 500 states, which it ignores. Each server is measured
   twice, in the order relay, baseline, baseline, relay, and the two passes averaged. The token
   endpoint is a node:http server in the parent answering the same ~6 KB JSON (the relay's Dropbox
   token URL is rewritten to it through the \`fetch\` option). The baseline (bench/baseline.ts)
   runs the same way: Hono on @hono/node-server, fetch to the same endpoint, 303 with the raw token
   in the URL. Two cores: the server under test has one, autocannon and the token endpoint share
   the other. "Process CPU per request" is the server process's user + system time (all its
   threads, from /proc) over the measured seconds, divided by the requests served.

   **4k. workerd** — figure 4 on the runtime production runs on (bench/workerd-http.ts): the
   production Worker, the dry-run bundle of figure 5, in workerd through Miniflare with
   wrangler.toml's compatibility date and \`[[ratelimits]]\` bindings and figure 4's configuration
   as bindings (the Dropbox app, \`RATE_LIMIT=off\`; the one-use guard still calls
   \`RATE_LIMITER_ONCE\`, which Miniflare simulates inside workerd), next to a bare Worker
   (bench/bare-worker.ts: \`GET /v1/callback/…\` → POST of the code to the token endpoint → 200
   with the token JSON; no state, no crypto, no validation). Upstream: figure 4's node:http token
   endpoint, which both Workers reach through the same Miniflare \`outboundService\`, an external
   HTTP service at its loopback address: every subrequest goes from workerd's own HTTP client
   straight to it (the relay's Dropbox token URL is left as it is and answered there; the bare
   Worker posts to the same URL), so both pay the same upstream cost, with no Node code in the
   path. Both also pass Miniflare's entry Worker in the same workerd. Every relay request has a
   state of its own, minted through \`POST /v1/flows\` on the workerd relay under test (JSON over
   loopback, ${workerd.MINT_CONCURRENCY} at a time): ${workerd.WARMUP_RATE_CAP.toLocaleString("en-US")} per warm-up second before the warm-up, then
   the warm-up's rate × ${workerd.STATE_MARGIN} + ${workerd.STATE_RESERVE.toLocaleString("en-US")} (less those the warm-up left unused) between
   warm-up and measurement; a pass that runs out fails, as does one whose token endpoint saw fewer
   requests than the answers it counted. The bare Worker cycles 500 states. Load as figure 4:
   autocannon in the parent, ${workerd.CONNECTIONS} connections, ${workerd.WARMUP_SECONDS} s warm-up then ${workerd.SECONDS} s, a new workerd for
   each pass, in the order relay, bare, bare, relay, the two passes averaged. "workerd process CPU
   per request" is as in figure 4, for the workerd process (one isolate thread runs the JavaScript).

5. **Bundle** — \`wrangler deploy --dry-run --outdir <tmp>\` of the production Worker: the file
   scripts/build.mjs makes of src/workers/relay.ts (esbuild, then terser; with the provider
   catalogue), which wrangler uploads as it is. Gzip at zlib's default level is the figure wrangler
   prints and the 44 KiB budget is set in (also a test, test/sandbox/worker-entries.test.ts); gzip
   -9 is kept for comparison with earlier runs, whose bundle wrangler minified with esbuild alone
   (their gzip -9 row was "minified + gzip -9"). Wrangler's own line: \`${run.results.bundle?.wranglerSays ?? "–"}\`.
6. **Start-up** — workerd through Miniflare with the dry-run bundle: wall time from \`new Miniflare()\` to
   the first 200 of /healthz, next to a one-line Worker (workerd freezes clocks while JS runs, so the
   difference is the only honest view of module evaluation + first-request configuration and key
   import). Node: spawn \`node dist/node.js\` — the compiled entry \`npm start\` runs, rebuilt first
   if stale as its \`prestart\` does — → first 200 /healthz, next to a bare node:http server.
   Both relays get the same configuration, as an operator would write it (bench/fixtures.ts
   \`STARTUP_APPS\`, a client secret each, limits off), ${STARTUP_APPS.length} catalogue apps with their variables:
   ${startupApps()}.
   Medians of 5 interleaved runs after one untimed round. workerd's start varies by ±20 ms from
   run to run, more than the relay's own share, so the same bundle is also measured on V8 alone
   (the engine workerd embeds): a child Node process imports 60 fresh copies of the module (a new
   module record each: parse, compile, evaluate) and answers each one's first /healthz with the
   same configuration; medians over the last 50, median of 5 children. These two rows compare
   to a tenth of a millisecond between commits.
7. **Memory** — a child \`node --expose-gc --import tsx bench/memory.ts 100000\`: in-process
   callbacks, each with its own state (minted 1,000 at a time just before use); RSS and heap after
   two forced GCs at 1,000 and at 100,000 callbacks. The heap growth includes what the relay keeps
   by design: a keyed hash of every used state until it expires (at most 200,000 on Node).

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
