/**
 * The one place tests start a relay, at three depths:
 * - `inProcessRelay`: createRelay in this process, answered with `app.request` (unit-level tests,
 *   fuzzing, the benchmark's in-process figures);
 * - `startRelay(runtime)`: a listening relay behind one interface, so the same integration suite
 *   runs against both runtimes —
 *   - `node`: the real Node server (`startNodeRelay`) in this process, records captured through
 *     `writeRecord`, and everything this process prints (stdout, stderr, console.*) captured while
 *     the relay is up;
 *   - `workerd`: the real Workers entry (src/workers/relay.ts, or src/workers/sandbox.ts with
 *     SANDBOX=1, bundled with esbuild the way wrangler does) in Miniflare's workerd, vars as
 *     bindings, wrangler.toml's rate-limit bindings, a RECORDS Analytics Engine binding we can
 *     observe, upstream fetches intercepted through Miniflare's `outboundService`, and the workerd
 *     process's stdout/stderr plus Miniflare's log sink captured;
 * - `spawnRelay`: a separate process, the compiled Node entry or `wrangler dev`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";
import { unstable_readConfig } from "wrangler";
import { type Config, loadConfig } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import type { RelayEnv } from "../../src/flow/context.js";
import { mountQorusBridge } from "../../src/legacy/bridge.js";
import { nodeLimits } from "../../src/node/limits.js";
import { LineRecorder } from "../../src/node/line-recorder.js";
import { startNodeRelay } from "../../src/node/server.js";
import { createRelay } from "../../src/relay.js";
import { mountSandbox, type SandboxOptions, sandboxAwareFetch } from "../../src/sandbox/server.js";
import type { Limits } from "../../src/web/limits.js";
import { asFetch, type Handler, type RecordedRequest, recordRequest } from "../fakes/http.js";
import { send } from "./http.js";

export type Runtime = "node" | "workerd";
export const RUNTIMES: Runtime[] = ["node", "workerd"];

export interface RelayUnderTest {
  url: string;
  runtime: Runtime;
  /** Everything the relay printed: stdout + stderr + console + worker logs (record lines excluded). */
  output(): string;
  /** Record lines (Node) or Analytics Engine data points (workerd), as JSON strings, in order. */
  records(): string[];
  /** Waits until everything the relay printed so far has reached output()/records(). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface StartRelayOptions {
  /** Stands in for every upstream (token endpoint) request the relay makes. */
  outbound?: (request: Request) => Promise<Response>;
  /**
   * workerd only: the entry to run. By default the one `wrangler` would: src/workers/sandbox.ts
   * (`--env sandbox`) when the env has SANDBOX=1, src/workers/qorus-bridge.ts (`--env qorus`) with
   * LEGACY_QORUS=1, the production src/workers/relay.ts otherwise.
   */
  worker?: WorkerEntry;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export { freePort } from "./free-port.js";

/** A fresh STATE_KEYS value: one kid with 32 random bytes. */
export function newStateKeys(kid = "k1"): string {
  return generateStateKeyPair(kid);
}

// ---------------------------------------------------------------------------------------------
// In process: createRelay with Node's parts, the upstream routed to a handler and recorded.

/** Limits that never refuse, and a one-use guard that forgets: for fuzzing input handling. */
export const NO_LIMITS: Limits = { perClient: {}, once: { claim: async () => "first" }, retryAfterSeconds: 60 };

export interface InProcessOptions {
  /** Stands in for every upstream request (provider fakes); unset: any upstream call fails the test. */
  readonly outbound?: Handler;
  /** The relay's clock, unix seconds. */
  readonly now?: () => number;
  /** Node's limits from the configuration by default. */
  readonly limits?: Limits | ((config: Config) => Limits);
  /** The client address the rate limits see (hashed); `undefined` by default, as with no socket. */
  readonly clientAddress?: (c: Context) => string | undefined;
  /** Sandbox server options (its clock) when the env has SANDBOX=1. */
  readonly sandbox?: SandboxOptions;
}

export interface InProcessRelay {
  readonly app: Hono<RelayEnv>;
  readonly config: Config;
  /** `app.request`: a path (or URL) and init, answered in process. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** fetch-compatible, answered in process. */
  readonly fetch: typeof fetch;
  /** Every upstream request the relay made, in order. */
  readonly upstream: RecordedRequest[];
  /** Record lines, as the Node recorder writes them. */
  readonly records: string[];
}

/**
 * The relay in this process, built the way the Node entry builds it (createRelay with the Node
 * recorder and limits), with the upstream fetch recorded and answered by `outbound`.
 */
export async function inProcessRelay(
  env: Record<string, string>,
  options: InProcessOptions = {},
): Promise<InProcessRelay> {
  const config = await loadConfig(env);
  const upstream: RecordedRequest[] = [];
  const records: string[] = [];
  const outbound: Handler = options.outbound ?? (async () => new Response("no upstream in this test", { status: 599 }));
  const spy: Handler = async (request) => {
    upstream.push(await recordRequest(request.clone()));
    return outbound(request);
  };
  const limits = typeof options.limits === "function" ? options.limits(config) : (options.limits ?? nodeLimits(config));
  const sandboxOptions = options.sandbox;
  const app = createRelay({
    config,
    recorder: new LineRecorder((line) => records.push(line)),
    limits,
    fetch: asFetch(spy),
    now: options.now,
    clientAddress: options.clientAddress,
    sandbox: {
      mountSandbox: (hono, getDeps) => mountSandbox(hono, getDeps, sandboxOptions),
      sandboxAwareFetch,
    },
    qorusBridge: mountQorusBridge,
  });
  const request = async (path: string, init?: RequestInit) => app.request(path, init);
  const fetchInProcess = ((input: RequestInfo | URL, init?: RequestInit) =>
    app.fetch(new Request(input, init))) as typeof fetch;
  return { app, config, request, fetch: fetchInProcess, upstream, records };
}

export function startRelay(
  runtime: Runtime,
  env: Record<string, string>,
  options: StartRelayOptions = {},
): Promise<RelayUnderTest> {
  return runtime === "node" ? startNode(env, options) : startWorkerd(env, options);
}

// ---------------------------------------------------------------------------------------------
// Node: in-process capture of process.stdout/stderr and console.* while any capture is active.

type Sink = (text: string) => void;
const sinks = new Set<Sink>();
let restoreProcessOutput: (() => void) | null = null;

function stringify(args: unknown[]): string {
  return `${args.map((arg) => (typeof arg === "string" ? arg : safeInspect(arg))).join(" ")}\n`;
}

function safeInspect(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function chunkText(chunk: unknown): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk).toString("utf8");
  return String(chunk);
}

function installCapture(): void {
  if (restoreProcessOutput) return;
  const emit = (text: string) => {
    for (const sink of sinks) sink(text);
  };
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    emit(chunkText(chunk));
    return (stdoutWrite as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  } as typeof process.stdout.write;
  process.stderr.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    emit(chunkText(chunk));
    return (stderrWrite as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  } as typeof process.stderr.write;
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const originals = methods.map((name) => console[name]);
  methods.forEach((name, index) => {
    const original = originals[index] as (...args: unknown[]) => void;
    console[name] = (...args: unknown[]) => {
      emit(stringify(args));
      original.apply(console, args);
    };
  });
  restoreProcessOutput = () => {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    methods.forEach((name, index) => {
      console[name] = originals[index] as (typeof console)[typeof name];
    });
  };
}

function captureProcessOutput(): { text: () => string; stop: () => void } {
  let text = "";
  const sink: Sink = (chunk) => {
    text += chunk;
  };
  installCapture();
  sinks.add(sink);
  return {
    text: () => text,
    stop: () => {
      sinks.delete(sink);
      if (sinks.size === 0 && restoreProcessOutput) {
        restoreProcessOutput();
        restoreProcessOutput = null;
      }
    },
  };
}

/**
 * `outbound` as a fetch: like the real one, it rejects as soon as the request's signal aborts
 * (the relay's upstream timeout), however long the fake takes to answer.
 */
function abortableFetch(outbound: (request: Request) => Promise<Response>) {
  return (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const { signal } = request;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      outbound(request).then(
        (response) => {
          signal.removeEventListener("abort", onAbort);
          resolve(response);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  };
}

async function startNode(env: Record<string, string>, options: StartRelayOptions): Promise<RelayUnderTest> {
  const capture = captureProcessOutput();
  const records: string[] = [];
  const { outbound } = options;
  const upstream = outbound ? (abortableFetch(outbound) as typeof fetch) : undefined;
  try {
    const relay = await startNodeRelay({
      env: { PORT: "0", ...env },
      writeRecord: (line) => records.push(line),
      fetch: upstream,
    });
    return {
      url: relay.url,
      runtime: "node",
      output: capture.text,
      records: () => [...records],
      settle: async () => {},
      close: async () => {
        await relay.close();
        capture.stop();
      },
    };
  } catch (error) {
    capture.stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// workerd via Miniflare.

/** The Workers entries by source: production (no sandbox inside), `wrangler dev --env sandbox`, the Qorus bridge. */
export type WorkerEntry = "src/workers/relay.ts" | "src/workers/sandbox.ts" | "src/workers/qorus-bridge.ts";

/** The wrangler env whose settings an entry runs with. */
const ENTRY_ENV: Record<WorkerEntry, string | undefined> = {
  "src/workers/relay.ts": undefined,
  "src/workers/sandbox.ts": "sandbox",
  "src/workers/qorus-bridge.ts": "qorus",
};

/**
 * A Workers entry exactly as `wrangler deploy` uploads it: the `main` file wrangler.toml names for
 * the entry's env, which scripts/build.mjs writes (the global setup rebuilds it when a source is
 * newer). The tests run the production bundle itself.
 */
export function workerBundle(entry: WorkerEntry): Promise<string> {
  const { main } = unstable_readConfig({ config: `${ROOT}wrangler.toml`, env: ENTRY_ENV[entry] });
  if (main === undefined) throw new Error(`wrangler.toml names no main for ${entry}`);
  return readFile(main, "utf8");
}

function wranglerToml(): string {
  return readFileSync(`${ROOT}wrangler.toml`, "utf8");
}

/** The Rate Limiting bindings wrangler.toml declares, as Miniflare takes them. */
function wranglerRateLimits(
  entry: WorkerEntry,
): Record<string, { namespace_id: string; simple: { limit: number; period: 10 | 60 } }> {
  const config = unstable_readConfig({
    config: `${ROOT}wrangler.toml`,
    env: ENTRY_ENV[entry],
  });
  return Object.fromEntries(
    (config.ratelimits ?? []).map(
      (binding: { name: string; namespace_id: string; simple: { limit: number; period: number } }) => [
        binding.name,
        {
          namespace_id: binding.namespace_id,
          simple: { limit: binding.simple.limit, period: binding.simple.period as 10 | 60 },
        },
      ],
    ),
  );
}

/** The compatibility date (and flags) from wrangler.toml, so workerd runs what `wrangler dev` runs. */
function wranglerSettings(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = wranglerToml();
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  const compatibilityFlags = flags ? [...flags.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string) : [];
  return { compatibilityDate: date, compatibilityFlags };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function startWorkerd(env: Record<string, string>, options: StartRelayOptions): Promise<RelayUnderTest> {
  const { Miniflare, Log, LogLevel, Response: MiniflareResponse } = await import("miniflare");
  const entry =
    options.worker ??
    (env.SANDBOX === "1"
      ? "src/workers/sandbox.ts"
      : env.LEGACY_QORUS === "1"
        ? "src/workers/qorus-bridge.ts"
        : "src/workers/relay.ts");
  const script = await workerBundle(entry);
  const settings = wranglerSettings();
  // Data points written to RECORDS come out of workerd's stdout as one line each, tagged with a
  // marker nobody else can know; they are moved from output() to records().
  const marker = `__relay_record_${randomUUID().replaceAll("-", "")}__`;
  const flushMarker = `${marker}flush:`;
  let stdout = "";
  let stderr = "";
  let log = "";

  class CapturingLog extends Log {
    constructor() {
      super(LogLevel.DEBUG);
    }
    override log(message: string): void {
      log += `${message}\n`;
    }
  }

  const { PORT, ...bindings } = env;
  const port = PORT === undefined || PORT === "" ? 0 : Number(PORT);
  const { outbound } = options;
  const mf = new Miniflare({
    host: "127.0.0.1",
    port,
    // No inspector (no inspectorPort), no request logging by Miniflare itself (Workers production
    // has no such log; the relay's own output is what we examine), no cf fetch, no telemetry.
    logRequests: false,
    log: new CapturingLog(),
    cf: false,
    telemetry: { enabled: false },
    handleRuntimeStdio(out: Readable, err: Readable) {
      out.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
      });
      err.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
    },
    workers: [
      {
        name: "relay",
        modules: [{ type: "ESModule", path: `${ROOT}${entry.replace(/\.ts$/, ".js")}`, contents: script }],
        ...settings,
        bindings,
        ratelimits: wranglerRateLimits(entry),
        wrappedBindings: { RECORDS: { scriptName: "records-binding", bindings: { marker } } },
        ...(outbound
          ? {
              outboundService: async (request: {
                url: string;
                method: string;
                headers: Iterable<[string, string]>;
                arrayBuffer(): Promise<ArrayBuffer>;
              }) => {
                const body =
                  request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
                const response = await outbound(
                  new Request(request.url, {
                    method: request.method,
                    headers: [...request.headers],
                    body,
                    redirect: "manual",
                  }),
                );
                const payload = response.body === null ? null : await response.arrayBuffer();
                return new MiniflareResponse(payload, { status: response.status, headers: [...response.headers] });
              },
            }
          : {}),
      },
      {
        // The RECORDS binding: an Analytics Engine dataset whose writeDataPoint prints the point.
        name: "records-binding",
        modules: true,
        script: `export default function (env) {
  return { writeDataPoint(point) { console.log(env.marker + JSON.stringify(point)); } };
}`,
      },
      {
        // Flush probe: a line on each stream, so settle() knows earlier lines have arrived.
        name: "flush",
        modules: true,
        compatibilityDate: settings.compatibilityDate,
        bindings: { marker: flushMarker },
        script: `export default { fetch(request, env) {
  const id = new URL(request.url).searchParams.get("id");
  console.log(env.marker + id); console.error(env.marker + id);
  return new Response("ok");
} }`,
      },
    ],
  });
  let url: URL;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
  const recordLine = new RegExp(`^${escapeRegExp(marker)}(?!flush:)(.*)$`, "gm");
  const internalLine = new RegExp(`^${escapeRegExp(marker)}.*(\\n|$)`, "gm");
  let flushes = 0;
  return {
    url: url.origin,
    runtime: "workerd",
    output: () => `${stdout.replace(internalLine, "")}${stderr.replace(internalLine, "")}${log}`,
    records: () => [...stdout.matchAll(recordLine)].map((match) => match[1] as string),
    settle: async () => {
      const id = `${++flushes}`;
      const worker = await mf.getWorker("flush");
      await (await worker.fetch(`http://flush/?id=${id}`)).arrayBuffer();
      const line = `${flushMarker}${id}\n`;
      const deadline = Date.now() + 5000;
      while (!(stdout.includes(line) && stderr.includes(line))) {
        if (Date.now() > deadline) throw new Error("workerd output did not arrive within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => mf.dispose(),
  };
}

// ---------------------------------------------------------------------------------------------
// Records, normalized.

export interface GrantRecordSeen {
  server: string;
  grant: string;
}

/**
 * Parses what the relay recorded into `{server, grant}` and fails on anything else: a Node record
 * line must be exactly that object; a workerd data point exactly `{indexes:[server],
 * blobs:[server, grant], doubles:[1]}` (what src/records.ts writes, nothing more).
 */
export function grantRecords(relay: RelayUnderTest): GrantRecordSeen[] {
  return relay.records().map((line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (relay.runtime === "node") {
      const keys = Object.keys(value).sort().join(",");
      if (keys !== "grant,server" || typeof value.server !== "string" || typeof value.grant !== "string")
        throw new Error(`unexpected record line: ${line}`);
      return { server: value.server, grant: value.grant };
    }
    const { indexes, blobs, doubles } = value as { indexes?: unknown; blobs?: unknown; doubles?: unknown };
    const keys = Object.keys(value).sort().join(",");
    if (
      keys !== "blobs,doubles,indexes" ||
      !Array.isArray(blobs) ||
      blobs.length !== 2 ||
      !blobs.every((blob) => typeof blob === "string") ||
      !Array.isArray(indexes) ||
      indexes.length !== 1 ||
      indexes[0] !== blobs[0] ||
      JSON.stringify(doubles) !== "[1]"
    )
      throw new Error(`unexpected data point: ${line}`);
    return { server: blobs[0] as string, grant: blobs[1] as string };
  });
}

// ---------------------------------------------------------------------------------------------
// As a separate process, exactly as it is run: the compiled Node entry (`npm start` runs
// `node dist/node.js`) or `wrangler dev` (workerd; `wrangler dev --env sandbox` when the env has
// SANDBOX=1). Everything the process writes to stdout and stderr is kept, so the privacy checks
// can search it for sentinel values.

export interface RelayProcess {
  readonly runtime: Runtime;
  readonly url: string;
  /** stdout + stderr so far. */
  output(): string;
  close(): Promise<void>;
}

export interface SpawnRelayOptions {
  readonly runtime: Runtime;
  readonly port: number;
  /** The relay's configuration (RELAY_URL, STATE_KEYS, APPS, CLIENT_SECRET_*, …). */
  readonly env: Record<string, string>;
  /** Node only: serve https with this certificate (TLS_CERT_FILE / TLS_KEY_FILE). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly ca: Buffer };
}

function dotenvLine(name: string, value: string): string {
  if (/['\n]/.test(value)) throw new Error(`${name}: value not representable in the env file`);
  return `${name}='${value}'`;
}

export async function spawnRelay(options: SpawnRelayOptions): Promise<RelayProcess> {
  const { runtime, port, env } = options;
  const scratch = mkdtempSync(join(tmpdir(), `relay-e2e-${runtime}-`));
  let child: ChildProcess;
  // Only what a process needs to run; the relay's configuration is added explicitly.
  const base: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: scratch, LANG: "C.UTF-8" };
  if (runtime === "node") {
    const tls = options.tls ? { TLS_CERT_FILE: options.tls.certFile, TLS_KEY_FILE: options.tls.keyFile } : {};
    // The compiled entry, as `npm start` runs it, from a scratch directory so a developer's .env
    // in the checkout cannot leak into the run.
    child = spawn(process.execPath, [join(ROOT, "dist/node.js")], {
      cwd: scratch,
      env: { ...base, ...env, ...tls, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
  } else {
    if (options.tls) throw new Error("https is set up for the Node relay only");
    const envFile = join(scratch, "relay.env");
    writeFileSync(
      envFile,
      `${Object.entries(env)
        .map(([k, v]) => dotenvLine(k, v))
        .join("\n")}\n`,
    );
    child = spawn(
      join(ROOT, "node_modules/.bin/wrangler"),
      [
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        "0",
        "--env-file",
        envFile,
        "--persist-to",
        join(scratch, "state"),
        "--show-interactive-dev-session=false",
        // SANDBOX=1 needs the dev-only entry with the sandbox inside (wrangler.toml [env.sandbox]).
        ...(env.SANDBOX === "1" ? ["--env", "sandbox"] : []),
      ],
      {
        cwd: ROOT,
        env: { ...base, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
  }
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = env.RELAY_URL ?? `http://127.0.0.1:${port}`;

  const close = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  const deadline = Date.now() + (runtime === "workerd" ? 60_000 : 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`${runtime} relay exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const health = await send(`${url}/healthz`, { ca: options.tls?.ca });
      if (health.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${runtime} relay did not come up on ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { runtime, url, output: () => output, close };
}
