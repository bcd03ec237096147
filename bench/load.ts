/**
 * `npm run load`: the Node relay under sustained concurrent full flows for at least 60 s.
 *
 * The relay runs as its own process (`node dist/node.js`, exactly as `npm start`, rebuilt first if
 * stale as its `prestart` does), so its RSS is its own. Abuse limits off (RATE_LIMIT=off: the driver
 * is one client); every flow mints its own relay state, which is good for one callback. This driver process hosts a fast fake token endpoint on 127.0.0.1 (the relay's generic
 * server profile points at it over loopback http) and runs LOAD_CONCURRENCY closed-loop workers,
 * each repeating a full flow: POST /v1/flows → GET /v1/callback/<app>?code&state (the relay exchanges
 * the code with the fake, encrypts the result to the instance key and answers 303 with it).
 *
 * Reported: flows/s and requests/s, p50/p99 latency (start, callback, whole flow), errors (must be
 * 0), relay RSS after warm-up and at the end (growth must stay under 10 %). Exit code 1 otherwise.
 * Env: LOAD_SECONDS (default 60), LOAD_WARMUP_SECONDS (30: V8 and the allocator take ~30 s at full load to reach their steady RSS), LOAD_CONCURRENCY (16).
 * It keeps both cores busy for the whole run: run it on a quiet machine, and only when needed.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { generateStateKeyPair } from "../src/crypto/state-keys.js";
import { buildNodeEntry, NODE_ENTRY } from "./node-entry.js";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.LOAD_WARMUP_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : Number.NaN;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  // A fast fake token endpoint: answers every code exchange with a small valid token response.
  let tokenRequests = 0;
  const tokenBody = JSON.stringify({
    access_token: "load-access-token",
    token_type: "bearer",
    expires_in: 3600,
    refresh_token: "load-refresh-token",
  });
  const provider = createServer((req, res) => {
    tokenRequests += 1;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(tokenBody) });
      res.end(tokenBody);
    });
  });
  provider.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
  const providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;

  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    RELAY_URL: "http://127.0.0.1:8787",
    PORT: "0",
    HOST: "127.0.0.1",
    STATE_KEYS: generateStateKeyPair("load"),
    APPS: JSON.stringify([
      {
        id: "load",
        server: {
          id: "load",
          authorization_endpoint: `${providerUrl}/authorize`,
          token_endpoint: `${providerUrl}/token`,
          pkce: "S256",
          token_endpoint_auth_method: "client_secret_basic",
        },
        client_id: "load-client",
      },
    ]),
    CLIENT_SECRET_LOAD: "load-secret",
    RATE_LIMIT: "off",
  };
  buildNodeEntry();
  const relay = spawn(process.execPath, [NODE_ENTRY], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let records = 0;
  relay.stdout.setEncoding("utf8");
  relay.stdout.on("data", (chunk: string) => {
    records += chunk.split("\n").filter((line) => line.includes('"grant":"authorization_code"')).length;
  });
  const relayUrl = await new Promise<string>((resolve, reject) => {
    let text = "";
    relay.stderr.setEncoding("utf8");
    relay.stderr.on("data", (chunk: string) => {
      text += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    relay.once("exit", (code) => reject(new Error(`relay exited (${code}): ${text}`)));
  });
  const pid = relay.pid ?? 0;

  const pair = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const { kty, crv, x } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const flowBody = JSON.stringify({
    app: "load",
    return_to: "http://127.0.0.1:8011/oauth2/relay",
    state: "load-instance-state-0123456789",
    key: { kty, crv, x },
    response_mode: "query",
  });

  const startLatency: number[] = [];
  const callbackLatency: number[] = [];
  const flowLatency: number[] = [];
  let errors = 0;
  const errorSamples: string[] = [];
  let measuring = false;
  let stop = false;
  let completed = 0;

  async function oneFlow(n: number): Promise<void> {
    const t0 = performance.now();
    const started = await fetch(`${relayUrl}/v1/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: flowBody,
    });
    const startJson = (await started.json()) as { authorization_url?: string };
    const t1 = performance.now();
    const state = startJson.authorization_url ? new URL(startJson.authorization_url).searchParams.get("state") : null;
    if (started.status !== 201 || !state) throw new Error(`start: ${started.status}`);
    const callback = await fetch(`${relayUrl}/v1/callback/load?code=code-${n}&state=${encodeURIComponent(state)}`, {
      redirect: "manual",
    });
    await callback.arrayBuffer();
    const t2 = performance.now();
    const location = callback.headers.get("location") ?? "";
    if (callback.status !== 303 || !location.includes("result=") || location.includes("error=")) {
      throw new Error(`callback: ${callback.status} ${location.slice(0, 80)}`);
    }
    if (measuring) {
      startLatency.push(t1 - t0);
      callbackLatency.push(t2 - t1);
      flowLatency.push(t2 - t0);
      completed += 1;
    }
  }

  let counter = 0;
  async function worker(): Promise<void> {
    while (!stop) {
      try {
        await oneFlow(counter++);
      } catch (error) {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push(String(error));
      }
    }
  }

  const workers = Array.from({ length: CONCURRENCY }, () => worker());
  process.stderr.write(`load: warming up ${WARMUP_SECONDS} s with ${CONCURRENCY} concurrent flows...\n`);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
  const warmupErrors = errors;
  const rssStart = rssOf(pid);
  const recordsStart = records;
  measuring = true;
  const t0 = performance.now();
  process.stderr.write(`load: measuring ${SECONDS} s (relay RSS after warm-up ${mb(rssStart)} MB)...\n`);
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(rssOf(pid)), 5000);
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const rssEnd = rssOf(pid);
  clearInterval(sampler);
  stop = true;
  await Promise.all(workers);
  const recordsDuring = records - recordsStart;

  relay.kill("SIGTERM");
  provider.closeAllConnections();
  provider.close();

  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const s = sorted(startLatency);
  const c = sorted(callbackLatency);
  const f = sorted(flowLatency);
  const growth = (rssEnd - rssStart) / rssStart;
  const report = {
    machine: {
      nproc: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
      node: process.version,
    },
    settings: { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, concurrency: CONCURRENCY },
    flowsCompleted: completed,
    flowsPerSecond: Number((completed / elapsed).toFixed(1)),
    requestsPerSecond: Number(((completed * 2) / elapsed).toFixed(1)),
    latencyMs: {
      start: { p50: +percentile(s, 50).toFixed(2), p99: +percentile(s, 99).toFixed(2) },
      callback: { p50: +percentile(c, 50).toFixed(2), p99: +percentile(c, 99).toFixed(2) },
      flow: { p50: +percentile(f, 50).toFixed(2), p99: +percentile(f, 99).toFixed(2) },
    },
    errors,
    warmupErrors,
    errorSamples,
    tokenEndpointRequests: tokenRequests,
    recordsDuringMeasurement: recordsDuring,
    relayRssMB: {
      afterWarmup: Number(mb(rssStart)),
      end: Number(mb(rssEnd)),
      growthPercent: Number((growth * 100).toFixed(1)),
      samples: rssSamples.map((value) => Number(mb(value))),
    },
  };
  console.log(JSON.stringify(report, null, 2));
  const failures: string[] = [];
  if (errors > 0) failures.push(`${errors} errors`);
  if (!(growth < 0.1)) failures.push(`RSS grew ${(growth * 100).toFixed(1)} % (limit 10 %)`);
  if (elapsed < 60 && SECONDS >= 60) failures.push("ran under 60 s");
  if (failures.length > 0) {
    console.error(`load: FAILED: ${failures.join("; ")}`);
    process.exit(1);
  }
  console.error("load: OK");
}

await main();
