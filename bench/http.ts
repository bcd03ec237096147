/**
 * HTTP throughput (4): the relay on Node (`startNodeRelay`, as `npm start`) and the bare baseline,
 * each in a child process, loaded over loopback by autocannon at fixed concurrency. The fake token
 * endpoint (node:http, answering the ~6 KB token JSON) and autocannon share this process, so with
 * two cores the server under test has one core to itself.
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
  /** The relay's engine in `relay`; absent in runs made before the node:crypto engine (WebCrypto then). */
  readonly engine?: "node";
  readonly relay: HttpFigure;
  /** The relay with CRYPTO_ENGINE=webcrypto (jose on WebCrypto, the code Workers run). */
  readonly relayWebcrypto?: HttpFigure;
  readonly baseline: HttpFigure;
}

function startTokenEndpoint(): Promise<Server> {
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

async function load(url: string, paths: readonly string[], connections: number, seconds: number) {
  let next = 0;
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
  });
}

async function measure(
  name: string,
  url: string,
  paths: readonly string[],
  expectStatus: number,
  connections: number,
  seconds: number,
  warmupSeconds: number,
  pid: number | undefined,
): Promise<HttpFigure> {
  const probe = await fetch(`${url}${paths[0]}`, { redirect: "manual" });
  await probe.arrayBuffer();
  if (probe.status !== expectStatus) throw new Error(`${name}: probe answered ${probe.status}`);
  await load(url, paths, connections, warmupSeconds);
  const cpuBefore = processCpuMs(pid);
  const result = await load(url, paths, connections, seconds);
  const cpuAfter = processCpuMs(pid);
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

function averaged(passes: readonly HttpFigure[]): HttpFigure {
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

export async function runHttp(quick: boolean): Promise<HttpResult> {
  const connections = 32;
  const seconds = quick ? 3 : 10;
  const warmupSeconds = quick ? 1 : 2;
  const bench = await newBench();
  // States are reusable within their TTL (the relay is stateless); cycle through a few hundred.
  const states = await mintStates(bench, "dropbox", quick ? 100 : 500);
  const paths = states.map((state, i) => `/v1/callback/dropbox?code=bench-code-${i}&state=${state}`);
  const tokenEndpoint = await startTokenEndpoint();
  const tokenUrl = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/oauth2/token`;
  const childEnv = { BENCH_TOKEN_URL: tokenUrl, BENCH_RELAY_ENV: JSON.stringify(bench.env) };
  const run = async (mode: string, extraEnv: Record<string, string>, expectStatus: number) => {
    const server = await startChild(mode, { ...childEnv, ...extraEnv });
    try {
      return await measure(
        mode,
        server.url,
        paths,
        expectStatus,
        connections,
        seconds,
        warmupSeconds,
        server.child.pid,
      );
    } finally {
      await stopChild(server.child);
    }
  };
  const servers = {
    relay: () => run("relay", { CRYPTO_ENGINE: "node" }, 200),
    relayWebcrypto: () => run("relay", { CRYPTO_ENGINE: "webcrypto" }, 200),
    baseline: () => run("baseline", {}, 303),
  };
  type Name = keyof typeof servers;
  // Full runs measure each server twice in the order A B C C B A, so that drift on a shared
  // machine (which is large here) hits all three alike; the two passes are averaged.
  const order: Name[] = quick
    ? ["relay", "relayWebcrypto", "baseline"]
    : ["relay", "relayWebcrypto", "baseline", "baseline", "relayWebcrypto", "relay"];
  const figures: Record<Name, HttpFigure[]> = { relay: [], relayWebcrypto: [], baseline: [] };
  try {
    for (const name of order) figures[name].push(await servers[name]());
    return {
      connections,
      seconds,
      engine: "node",
      relay: averaged(figures.relay),
      relayWebcrypto: averaged(figures.relayWebcrypto),
      baseline: averaged(figures.baseline),
    };
  } finally {
    tokenEndpoint.closeAllConnections();
    await new Promise((resolve) => tokenEndpoint.close(resolve));
  }
}
