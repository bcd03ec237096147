/**
 * HTTP throughput (4): the relay on Node (`startNodeRelay`, what `npm start` runs) and the bare
 * baseline, each in a child process, loaded over loopback by autocannon at fixed concurrency. The
 * fake token endpoint (node:http, answering the ~6 KB token JSON) and autocannon share this
 * process, so with two cores the server under test has one core to itself. Every relay request
 * carries a relay state of its own (a state is good for one callback).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { mintStates, newBench, TOKEN_JSON } from "./fixtures.js";

export interface HttpFigure {
  readonly rps: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
  /** CPU time of the server process (all its threads) per request, ms; Linux only. */
  readonly cpuMsPerRequest?: number;
}

/** utime + stime of a process in ms, from /proc (Linux; clock ticks are 10 ms there). */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined || process.platform !== "linux") return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

export interface HttpResult {
  readonly connections: number;
  readonly seconds: number;
  /**
   * The relay's crypto in `relay`: "webcrypto" (jose on WebCrypto, the only implementation since
   * docs/DECISIONS.md #19); "node" in runs made while the node:crypto engine existed, which have the
   * WebCrypto engine in `relayWebcrypto`; absent in runs made before that engine (WebCrypto then).
   */
  readonly engine?: "node" | "webcrypto";
  readonly relay: HttpFigure;
  /** Engine-era runs only: the relay with CRYPTO_ENGINE=webcrypto. */
  readonly relayWebcrypto?: HttpFigure;
  readonly baseline: HttpFigure;
  /**
   * Relay states minted per relay pass (one per request: a state is good for one callback), and
   * whether each request had its own; absent in runs that cycled 500 states (before one use).
   */
  readonly statesPerPass?: number;
  readonly oneStatePerRequest?: boolean;
}

export function startTokenEndpoint(): Promise<Server> {
  const body = Buffer.from(TOKEN_JSON);
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function startChild(mode: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL("./http-server.ts", import.meta.url));
  // BENCH_CHILD_ARGS: extra node flags for the server under test, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_CHILD_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--import", "tsx", script, mode], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n")[0];
      if (buffered.includes("\n") && line) resolve(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return { child, url };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * Request paths for one pass, handed out in order. A relay pass must never send a state twice (a
 * replay gets 400, cheaper than a callback, and would inflate the figure): `exhausted` counts
 * requests that found the pool empty, and the measurement refuses a pass that had any.
 */
export interface PathPool {
  next(): string;
  /** Paths handed out so far. */
  readonly used: () => number;
  readonly exhausted: () => number;
  /** More paths at the end of the pool. */
  add(paths: readonly string[]): void;
}

export function pathPool(initial: readonly string[], cycle: boolean): PathPool {
  const paths = [...initial];
  let next = 0;
  let exhausted = 0;
  return {
    next: () => {
      if (next < paths.length) return paths[next++] as string;
      if (!cycle) exhausted++;
      return paths[next++ % paths.length] as string;
    },
    used: () => next,
    exhausted: () => exhausted,
    add: (more) => {
      next = Math.min(next, paths.length); // a pool that ran dry continues with the new paths
      paths.push(...more);
    },
  };
}

async function load(url: string, pool: PathPool, connections: number, seconds: number) {
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: pool.next() }) }],
  });
}

export interface Pass {
  readonly name: string;
  readonly url: string;
  readonly expectStatus: number;
  readonly pid: number | undefined;
  /** The pool for the warm-up; called again after it with the warm-up's rate for the measured run. */
  readonly pool: PathPool;
  readonly topUp: (warmupRps: number) => Promise<void>;
}

export async function measure(
  pass: Pass,
  connections: number,
  seconds: number,
  warmupSeconds: number,
): Promise<HttpFigure> {
  const { name, url, pool, expectStatus, pid } = pass;
  const probe = await fetch(`${url}${pool.next()}`, { redirect: "manual" });
  await probe.arrayBuffer();
  if (probe.status !== expectStatus) throw new Error(`${name}: probe answered ${probe.status}`);
  const warmup = await load(url, pool, connections, warmupSeconds);
  // States for the measured seconds, minted now (the server under test idles meanwhile).
  await pass.topUp(warmup.requests.average);
  const exhaustedBefore = pool.exhausted();
  const cpuBefore = processCpuMs(pid);
  const result = await load(url, pool, connections, seconds);
  const cpuAfter = processCpuMs(pid);
  if (pool.exhausted() > exhaustedBefore)
    throw new Error(
      `${name}: ran out of fresh relay states (${pool.exhausted() - exhaustedBefore} requests); raise STATE_MARGIN in bench/http.ts (Node) or bench/workerd-http.ts`,
    );
  const wrong = Object.entries(result.statusCodeStats)
    .filter(([status]) => Number(status) !== expectStatus)
    .reduce((sum, [, stats]) => sum + stats.count, 0);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + wrong,
    ...(cpuBefore !== null && cpuAfter !== null && result.requests.total > 0
      ? { cpuMsPerRequest: (cpuAfter - cpuBefore) / result.requests.total }
      : {}),
  };
}

export function averaged(passes: readonly HttpFigure[]): HttpFigure {
  const mean = (pick: (figure: HttpFigure) => number) =>
    passes.reduce((sum, figure) => sum + pick(figure), 0) / passes.length;
  const sum = (pick: (figure: HttpFigure) => number) => passes.reduce((total, figure) => total + pick(figure), 0);
  return {
    rps: mean((f) => f.rps),
    p50: mean((f) => f.p50),
    p99: mean((f) => f.p99),
    requests: sum((f) => f.requests),
    errors: sum((f) => f.errors),
    ...(passes.every((f) => f.cpuMsPerRequest !== undefined)
      ? { cpuMsPerRequest: mean((f) => f.cpuMsPerRequest ?? 0) }
      : {}),
  };
}

/** Fresh states for the warm-up assume at most this rate (req/s); a faster warm-up re-sends some. */
const WARMUP_RATE_CAP = 4000;
/** Fresh states for the measured seconds: the warm-up's rate times this, plus a fixed reserve. */
const STATE_MARGIN = 1.5;
const STATE_RESERVE = 1000;

export async function runHttp(quick: boolean): Promise<HttpResult> {
  const connections = 32;
  const seconds = quick ? 3 : 10;
  const warmupSeconds = quick ? 1 : 2;
  const bench = await newBench();
  const pathsFor = (states: readonly string[]) =>
    states.map((state, i) => `/v1/callback/dropbox?code=bench-code-${i}&state=${state}`);
  const tokenEndpoint = await startTokenEndpoint();
  const tokenUrl = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/oauth2/token`;
  const childEnv = { BENCH_TOKEN_URL: tokenUrl, BENCH_RELAY_ENV: JSON.stringify(bench.env) };
  let statesPerPass = 0;
  const run = async (mode: "relay" | "baseline", expectStatus: number) => {
    // The relay: a fresh state for every request, minted before the server starts (warm-up) and
    // between warm-up and measurement (enough for the warm-up's rate). The baseline ignores the
    // state; it cycles 500, as every run did.
    let pool: PathPool;
    let topUp: (warmupRps: number) => Promise<void>;
    if (mode === "relay") {
      pool = pathPool(pathsFor(await mintStates(bench, "dropbox", 1 + warmupSeconds * WARMUP_RATE_CAP)), false);
      topUp = async (warmupRps) => {
        const count = Math.ceil(warmupRps * seconds * STATE_MARGIN) + STATE_RESERVE;
        pool.add(pathsFor(await mintStates(bench, "dropbox", count)));
        statesPerPass = Math.max(statesPerPass, 1 + warmupSeconds * WARMUP_RATE_CAP + count);
      };
    } else {
      pool = pathPool(pathsFor(await mintStates(bench, "dropbox", 500)), true);
      topUp = async () => {};
    }
    const server = await startChild(mode, childEnv);
    try {
      const figure = await measure(
        { name: mode, url: server.url, expectStatus, pid: server.child.pid, pool, topUp },
        connections,
        seconds,
        warmupSeconds,
      );
      process.stderr.write(
        `bench:   ${mode}: ${Math.round(figure.rps)} req/s, ${figure.requests} requests, ${pool.used()} paths used${figure.errors > 0 ? `, ${figure.errors} ERRORS (not ${expectStatus}, timeouts)` : ""}\n`,
      );
      return figure;
    } finally {
      await stopChild(server.child);
    }
  };
  type Name = "relay" | "baseline";
  // Full runs measure each server twice in the order A B B A, so that drift on a shared machine
  // (which is large here) hits both alike; the two passes are averaged.
  const order: Name[] = quick ? ["relay", "baseline"] : ["relay", "baseline", "baseline", "relay"];
  const figures: Record<Name, HttpFigure[]> = { relay: [], baseline: [] };
  try {
    for (const name of order) figures[name].push(await run(name, name === "relay" ? 200 : 303));
    return {
      connections,
      seconds,
      engine: "webcrypto",
      relay: averaged(figures.relay),
      baseline: averaged(figures.baseline),
      statesPerPass,
      oneStatePerRequest: true,
    };
  } finally {
    tokenEndpoint.closeAllConnections();
    await new Promise((resolve) => tokenEndpoint.close(resolve));
  }
}
