/**
 * Start-up (6).
 * - workerd: wall time from `new Miniflare()` with the dry-run bundle to the first 200 /healthz,
 *   for the relay and for a trivial one-line Worker on the same workerd. workerd freezes its clocks
 *   while JavaScript runs, so module evaluation cannot be timed from inside; the difference
 *   relay − trivial is the relay's own cost (module evaluation + configuration and key import on
 *   the first request) on top of workerd's fixed start-up.
 * - Node: wall time from spawning `node dist/node.js` (what `npm start` runs once its `prestart`
 *   build is done; configuration in the environment, PORT=0) to the first 200 /healthz, next to a
 *   bare `node:http` server started the same way.
 * Both relays get the same configuration: several catalogue apps with template variables
 * (bench/fixtures.ts STARTUP_APPS), limits off.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { generateStateKeyPair } from "../src/crypto/state-keys.js";
import { STARTUP_APPS, startupEnv } from "./fixtures.js";
import { buildNodeEntry, NODE_ENTRY } from "./node-entry.js";
import { median } from "./stats.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface StartupResult {
  /** Milliseconds, medians over `runs`. */
  readonly workerdRelay: number;
  readonly workerdTrivial: number;
  /** The Node relay as spawned: `nodeEntry`, or `node --import tsx src/node.ts` in runs without it. */
  readonly nodeRelay: number;
  readonly nodeBare: number;
  readonly runs: number;
  /** What was spawned for `nodeRelay` ("dist/node.js"); absent in runs that spawned tsx. */
  readonly nodeEntry?: string;
  /** The catalogue servers configured (app ids → server); absent in runs with the two bench apps. */
  readonly apps?: readonly string[];
  /**
   * The same bundle on V8 alone (the engine workerd embeds), in a child Node process: medians of
   * importing a fresh copy of the module, and of its first /healthz (configuration). Milliseconds;
   * absent in older runs.
   */
  readonly v8?: { readonly evaluation: number; readonly firstRequest: number; readonly imports: number };
}

/**
 * workerd's start-up varies by ±20 ms from run to run, more than the relay's own share; V8 alone
 * measures that share to a tenth of a millisecond: each import of a fresh copy of the bundle (a
 * new module record) is a module evaluation, followed by the first request that loads the
 * configuration. The first 10 of each child are warm-up.
 */
const V8_CHILD = `
const { readFileSync, writeFileSync, mkdtempSync, rmSync } = require("node:fs");
const { join } = require("node:path");
const { tmpdir } = require("node:os");
const { pathToFileURL } = require("node:url");
const [bundle, envJson, countText] = process.argv.slice(1);
const code = readFileSync(bundle, "utf8");
const env = JSON.parse(envJson);
const count = Number(countText);
const dir = mkdtempSync(join(tmpdir(), "relay-v8-"));
const files = Array.from({ length: count + 10 }, (_, i) => {
  const file = join(dir, "m" + i + ".mjs");
  writeFileSync(file, code + "\\n//" + i);
  return pathToFileURL(file).href;
});
(async () => {
  const evaluation = [], first = [];
  for (const [i, file] of files.entries()) {
    const t0 = performance.now();
    const mod = await import(file);
    const t1 = performance.now();
    const res = await mod.default.fetch(new Request("https://relay.example.com/healthz"), env, { waitUntil() {}, passThroughOnException() {} });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error("healthz " + res.status);
    if (i >= 10) { evaluation.push(t1 - t0); first.push(performance.now() - t1); }
  }
  rmSync(dir, { recursive: true, force: true });
  const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  process.stdout.write(JSON.stringify({ evaluation: med(evaluation), firstRequest: med(first) }));
})().catch((e) => { process.stderr.write(String(e)); process.exit(1); });
`;

export async function v8Once(bundlePath: string, env: Record<string, string>, imports: number) {
  const child = spawn(process.execPath, ["-e", V8_CHILD, bundlePath, JSON.stringify(env), String(imports)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`V8 evaluation child failed (${code}): ${err}`);
  return JSON.parse(out) as { evaluation: number; firstRequest: number };
}

const TRIVIAL_WORKER = 'export default { fetch() { return new Response("ok"); } };';

async function workerdOnce(code: string, env: Record<string, string>) {
  const started = performance.now();
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: "worker.js", contents: code }],
    compatibilityDate: "2026-04-20",
    bindings: env,
  });
  try {
    const response = await mf.dispatchFetch("http://relay.local/healthz");
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`workerd /healthz: ${response.status}`);
    return performance.now() - started;
  } finally {
    await mf.dispose();
  }
}

/** This process's environment without relay settings a shell may have set (APPS, RATE_LIMIT, …). */
function cleanEnv(): Record<string, string> {
  const relayVariable =
    /^(APPS|STATE_KEYS|RELAY_URL|CLIENT_SECRET_|RATE_LIMIT|SANDBOX|LEGACY_QORUS|RETURN_|PORT$|HOST$)/;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !relayVariable.test(entry[0]),
    ),
  );
}

async function nodeOnce(args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = buffered.match(/listening on (http:\/\/\S+)/);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`node exited (${code}): ${buffered}`)));
    });
    for (;;) {
      const response = await fetch(`${url}/healthz`).catch(() => null);
      if (response) await response.arrayBuffer();
      if (response?.status === 200) return performance.now() - started;
    }
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

const BARE_NODE = `require("node:http").createServer((q,s)=>s.end("ok")).listen(0,"127.0.0.1",function(){process.stderr.write("listening on http://127.0.0.1:"+this.address().port+"\\n")})`;

export async function runStartup(bundlePath: string, quick: boolean): Promise<StartupResult> {
  const runs = quick ? 2 : 5;
  buildNodeEntry();
  const env = { ...startupEnv(generateStateKeyPair("k1")), PORT: "0" };
  const relayArgs = [NODE_ENTRY];
  const relayTimes: number[] = [];
  const trivialTimes: number[] = [];
  const nodeTimes: number[] = [];
  const bareTimes: number[] = [];
  const relayCode = await readFile(bundlePath, "utf8");
  // One untimed round first: the first workerd and node start of a process pay for cold caches.
  await workerdOnce(TRIVIAL_WORKER, env);
  await workerdOnce(relayCode, env);
  await nodeOnce(relayArgs, env);
  // Interleaved so that a burst of load from elsewhere hits both sides alike.
  for (let i = 0; i < runs; i++) {
    trivialTimes.push(await workerdOnce(TRIVIAL_WORKER, env));
    relayTimes.push(await workerdOnce(relayCode, env));
    bareTimes.push(await nodeOnce(["-e", BARE_NODE], {}));
    nodeTimes.push(await nodeOnce(relayArgs, env));
  }
  // V8 alone: several children, each importing the bundle `imports` times; medians of their medians.
  const imports = quick ? 20 : 50;
  const v8Runs = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) v8Runs.push(await v8Once(bundlePath, env, imports));
  return {
    v8: {
      evaluation: median(v8Runs.map((run) => run.evaluation)),
      firstRequest: median(v8Runs.map((run) => run.firstRequest)),
      imports,
    },
    workerdRelay: median(relayTimes),
    workerdTrivial: median(trivialTimes),
    nodeRelay: median(nodeTimes),
    nodeBare: median(bareTimes),
    runs,
    nodeEntry: NODE_ENTRY,
    apps: STARTUP_APPS.map((app) => `${app.id}:${app.server}`),
  };
}
