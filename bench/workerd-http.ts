/**
 * HTTP throughput on workerd (4k): the production Worker (the `wrangler deploy --dry-run` bundle of
 * src/workers/relay.ts, as figures 5 and 6 use it) in workerd through Miniflare, next to a bare
 * Worker (bench/bare-worker.ts) that forwards the code to the same fake token endpoint: figure 4's
 * side-by-side, on the runtime production runs on.
 *
 * - Upstream: figure 4's node:http token endpoint (~6 KB token JSON) in this process. Both Workers
 *   get the same Miniflare `outboundService`, an external HTTP service at that endpoint's loopback
 *   address, so every subrequest either Worker makes goes from workerd's own HTTP client straight
 *   to it (no Node hop, as a function `outboundService` would add): both pay the same upstream cost,
 *   and the relay's Dropbox app is configured exactly as in figure 4 (its https token URL is
 *   answered by the loopback endpoint; the bare Worker posts to the same URL).
 * - The relay: the bench configuration (bench/fixtures.ts relayEnv: RATE_LIMIT=off, the Dropbox
 *   app) as bindings, wrangler.toml's compatibility settings and [[ratelimits]] bindings (with the
 *   limits off the relay still uses RATE_LIMITER_ONCE, the one-use guard for relay states; Miniflare
 *   simulates it inside workerd).
 * - States: each relay request has its own, minted beforehand through `POST /v1/flows` on the
 *   workerd relay under test (JSON over loopback, MINT_CONCURRENCY at a time): enough for the
 *   warm-up before it (WARMUP_RATE_CAP a second), and for the measured seconds between warm-up and
 *   measurement (the warm-up's rate × STATE_MARGIN + STATE_RESERVE, less what the warm-up left
 *   unused); a pass that runs out fails. The bare Worker ignores the state; it cycles 500, as figure
 *   4's baseline does. A pass also fails if the token endpoint saw fewer requests than it counted
 *   answers.
 * - Load: figure 4's (autocannon in this process, 32 connections, warm-up then measured seconds,
 *   a new workerd for each pass, order relay, bare, bare, relay in full runs and the two passes
 *   averaged).
 */
import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { type Bench, mintStates, newBench } from "./fixtures.js";
import { averaged, type HttpFigure, measure, type PathPool, pathPool, startTokenEndpoint } from "./http.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerdHttpResult {
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** The relay (the production bundle) and the bare Worker, each averaged over its passes. */
  readonly relay: HttpFigure;
  readonly bare: HttpFigure;
  /** Relay states minted (through the relay's POST /v1/flows) for a relay pass, at most. */
  readonly statesPerPass: number;
  /** wrangler.toml's compatibility date, which both Workers ran with. */
  readonly compatibilityDate: string;
}

/** Fresh states for the warm-up assume at most this rate (req/s); a faster warm-up re-sends some. */
export const WARMUP_RATE_CAP = 2000;
/** Fresh states for the measured seconds: the warm-up's rate times this, plus a fixed reserve. */
export const STATE_MARGIN = 1.5;
export const STATE_RESERVE = 1000;
/** POST /v1/flows requests in flight while minting. */
export const MINT_CONCURRENCY = 16;
/** Load, as figure 4's: connections; warm-up and measured seconds of a full run (quick: 1 s and 3 s). */
export const CONNECTIONS = 32;
export const WARMUP_SECONDS = 2;
export const SECONDS = 10;

interface WranglerSettings {
  readonly compatibilityDate: string;
  readonly compatibilityFlags: string[];
  readonly ratelimits: Record<string, { namespace_id: string; simple: { limit: number; period: 10 | 60 } }>;
}

/** What `wrangler dev` would run the production Worker with: wrangler.toml's top level. */
async function wranglerSettings(): Promise<WranglerSettings> {
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: `${ROOT}wrangler.toml` });
  if (!config.compatibility_date) throw new Error("wrangler.toml has no compatibility_date");
  return {
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    ratelimits: Object.fromEntries(
      (config.ratelimits ?? []).map(
        (binding: { name: string; namespace_id: string; simple: { limit: number; period: number } }) => [
          binding.name,
          {
            namespace_id: binding.namespace_id,
            simple: { limit: binding.simple.limit, period: binding.simple.period as 10 | 60 },
          },
        ],
      ),
    ),
  };
}

/** bench/bare-worker.ts as one ES module, minified by esbuild (a few lines: a second minifier would change nothing). */
async function bareWorkerCode(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./bare-worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("esbuild produced no output for bench/bare-worker.ts");
  return file.text;
}

/** The workerd process Miniflare started for us: our child named `workerd` (Linux; else undefined). */
async function workerdPid(): Promise<number | undefined> {
  if (process.platform !== "linux") return undefined;
  try {
    const children: number[] = [];
    for (const task of await readdir("/proc/self/task"))
      children.push(
        ...(await readFile(`/proc/self/task/${task}/children`, "utf8")).split(" ").filter(Boolean).map(Number),
      );
    for (const pid of children)
      if ((await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim() === "workerd") return pid;
  } catch {
    // no /proc: no CPU figure
  }
  return undefined;
}

/** `count` relay states, minted through POST /v1/flows on the relay at `url`. */
async function mintOverHttp(url: string, bench: Bench, count: number): Promise<string[]> {
  const states = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const body = bench.flowBody("dropbox");
      const response = await fetch(`${url}/v1/flows`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (response.status !== 201)
        throw new Error(`workerd POST /v1/flows: ${response.status} ${await response.text()}`);
      const { authorization_url } = (await response.json()) as { authorization_url: string };
      const state = new URL(authorization_url).searchParams.get("state");
      if (!state) throw new Error("workerd POST /v1/flows: no state in authorization_url");
      states[index] = state;
    }
  };
  await Promise.all(Array.from({ length: Math.min(MINT_CONCURRENCY, count) }, worker));
  return states;
}

type Name = "relay" | "bare";

export async function runWorkerdHttp(bundlePath: string, quick: boolean): Promise<WorkerdHttpResult> {
  const connections = CONNECTIONS;
  const seconds = quick ? 3 : SECONDS;
  const warmupSeconds = quick ? 1 : WARMUP_SECONDS;
  const bench = await newBench();
  const tokenUrl = bench.config.apps.get("dropbox")?.server.tokenTemplate;
  if (!tokenUrl) throw new Error("bench configuration has no dropbox app");
  const pathsFor = (states: readonly string[]) =>
    states.map((state, i) => `/v1/callback/dropbox?code=bench-code-${i}&state=${state}`);
  const settings = await wranglerSettings();
  const code: Record<Name, string> = { relay: await readFile(bundlePath, "utf8"), bare: await bareWorkerCode() };
  const bareStates = pathsFor(await mintStates(bench, "dropbox", 500));
  const tokenEndpoint = await startTokenEndpoint();
  let upstreamCalls = 0;
  tokenEndpoint.on("request", () => {
    upstreamCalls++;
  });
  const upstream = `127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}`;
  let statesPerPass = 0;

  const run = async (name: Name): Promise<HttpFigure> => {
    const mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      cf: false,
      telemetry: { enabled: false },
      // The relay prints nothing on a callback; anything workerd prints goes to stderr, not the table.
      handleRuntimeStdio(out: Readable, err: Readable) {
        out.on("data", (chunk: Buffer) => process.stderr.write(chunk));
        err.on("data", (chunk: Buffer) => process.stderr.write(chunk));
      },
      modules: [{ type: "ESModule", path: `${ROOT}${name}.js`, contents: code[name] }],
      compatibilityDate: settings.compatibilityDate,
      compatibilityFlags: settings.compatibilityFlags,
      ...(name === "relay"
        ? { bindings: { ...bench.env }, ratelimits: settings.ratelimits }
        : { bindings: { TOKEN_URL: tokenUrl } }),
      // Every subrequest, to the token endpoint, over plain HTTP (the URL's host is kept in Host).
      outboundService: { external: { address: upstream, http: {} } },
    });
    try {
      const url = (await mf.ready).origin;
      let pool: PathPool;
      let topUp: (warmupRps: number) => Promise<void>;
      if (name === "relay") {
        // Minting runs at about the relay's own callback rate here, so the states the warm-up left
        // unused count towards the measured seconds' (figure 4 mints in process and need not).
        let minted = 1 + warmupSeconds * WARMUP_RATE_CAP;
        pool = pathPool(pathsFor(await mintOverHttp(url, bench, minted)), false);
        topUp = async (warmupRps) => {
          const needed = Math.ceil(warmupRps * seconds * STATE_MARGIN) + STATE_RESERVE;
          const count = Math.max(0, needed - Math.max(0, minted - pool.used()));
          pool.add(pathsFor(await mintOverHttp(url, bench, count)));
          minted += count;
          statesPerPass = Math.max(statesPerPass, minted);
        };
      } else {
        pool = pathPool(bareStates, true);
        topUp = async () => {};
      }
      const upstreamBefore = upstreamCalls;
      const figure = await measure(
        { name: `workerd ${name}`, url, expectStatus: 200, pid: await workerdPid(), pool, topUp },
        connections,
        seconds,
        warmupSeconds,
      );
      // Every answer counted must have cost a token request (a 200 without one would be a fake).
      if (upstreamCalls - upstreamBefore < figure.requests)
        throw new Error(
          `workerd ${name}: ${figure.requests} answers but only ${upstreamCalls - upstreamBefore} token requests`,
        );
      process.stderr.write(
        `bench:   workerd ${name}: ${Math.round(figure.rps)} req/s, ${figure.requests} requests, ${pool.used()} paths used${figure.errors > 0 ? `, ${figure.errors} ERRORS (not 200, timeouts)` : ""}\n`,
      );
      return figure;
    } finally {
      await mf.dispose();
    }
  };

  // As figure 4: A B B A in full runs, so that drift on a shared machine hits both alike.
  const order: Name[] = quick ? ["relay", "bare"] : ["relay", "bare", "bare", "relay"];
  const figures: Record<Name, HttpFigure[]> = { relay: [], bare: [] };
  try {
    for (const name of order) figures[name].push(await run(name));
    return {
      connections,
      seconds,
      warmupSeconds,
      relay: averaged(figures.relay),
      bare: averaged(figures.bare),
      statesPerPass,
      compatibilityDate: settings.compatibilityDate,
    };
  } finally {
    tokenEndpoint.closeAllConnections();
    await new Promise((resolve) => tokenEndpoint.close(resolve));
  }
}
