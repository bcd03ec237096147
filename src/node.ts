/**
 * Node entry (`npm start`): self-hosting and the zero-setup local default. Configuration from the
 * process environment, or a `.env` file in the working directory. Records are JSON lines on stdout
 * and counters at GET /metrics. Nothing else is ever written to stdout; stderr carries only
 * start-up and shutdown messages, never request data.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createApp } from "./app.js";
import { ConfigError, type Env, loadConfig } from "./config.js";
import type { CryptoEngine } from "./crypto/engine.js";
import { generateStateKeyPair } from "./crypto/state-keys.js";
import { webCryptoEngine } from "./crypto/webcrypto-engine.js";
import type { RelayDeps } from "./flow/context.js";
import { nodeCryptoEngine } from "./node-crypto-engine.js";
import { LineRecorder } from "./records.js";
import { mountSandbox, sandboxAwareFetch } from "./sandbox/server.js";
import { nodeRateLimit } from "./web/rate-limit.js";

export interface NodeRelay {
  readonly url: string;
  close(): Promise<void>;
}

export interface NodeRelayOptions {
  readonly env: Env;
  /** Where records go (one JSON line each); stdout by default. */
  readonly writeRecord?: (line: string) => void;
  /** Upstream fetch override, for tests. */
  readonly fetch?: typeof fetch;
}

export async function startNodeRelay(options: NodeRelayOptions): Promise<NodeRelay> {
  const { env } = options;
  const config = await loadConfig(env, cryptoEngine(env));
  const rateLimit = nodeRateLimit(env); // RATE_LIMIT: optional, in-process, keyed by a hashed address
  const recorder = new LineRecorder(options.writeRecord ?? ((line) => process.stdout.write(`${line}\n`)));
  // With SANDBOX=1 the sandbox server is mounted, and the relay reaches its token endpoint in process.
  const upstream = config.sandbox
    ? sandboxAwareFetch(config.relayUrl, (request) => app.fetch(request), options.fetch)
    : options.fetch;
  const deps: RelayDeps = { config, recorder, fetch: upstream };
  const app = createApp({
    resolveDeps: async () => deps,
    metrics: () => recorder.metrics(),
    mount: config.sandbox ? (hono, getDeps) => mountSandbox(hono, getDeps) : undefined,
    clientAddress: (c) => getConnInfo(c).remote.address,
    rateLimit: rateLimit ? () => rateLimit : undefined,
  });
  const port = Number(typeof env.PORT === "string" && env.PORT !== "" ? env.PORT : 8787);
  const hostname = typeof env.HOST === "string" && env.HOST !== "" ? env.HOST : "127.0.0.1";
  const tls = tlsOptions(env);
  const server = tls
    ? serve({ fetch: app.fetch, port, hostname, createServer: createHttpsServer, serverOptions: tls })
    : serve({ fetch: app.fetch, port, hostname });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? "https" : "http"}://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Optional TLS for a relay with no proxy in front (and the https browser tests): TLS_CERT_FILE and
 * TLS_KEY_FILE, PEM files, both or neither. Most deployments terminate TLS in a proxy instead.
 */
function tlsOptions(env: Env): { cert: Buffer; key: Buffer } | null {
  const certFile = isSet(env, "TLS_CERT_FILE") ? String(env.TLS_CERT_FILE) : null;
  const keyFile = isSet(env, "TLS_KEY_FILE") ? String(env.TLS_KEY_FILE) : null;
  if (certFile === null && keyFile === null) return null;
  if (certFile === null || keyFile === null)
    throw new ConfigError("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file);
    } catch {
      throw new ConfigError(`${name}: cannot read the file it names`);
    }
  };
  return { cert: read("TLS_CERT_FILE", certFile), key: read("TLS_KEY_FILE", keyFile) };
}

/**
 * CRYPTO_ENGINE: `node` (the default: synchronous node:crypto, src/node-crypto-engine.ts) or
 * `webcrypto` (jose on WebCrypto, the code the Worker runs). Both produce interchangeable objects,
 * so a relay can switch, or run mixed replicas, without breaking flows in progress.
 */
function cryptoEngine(env: Env): CryptoEngine {
  const value = isSet(env, "CRYPTO_ENGINE") ? String(env.CRYPTO_ENGINE).trim() : "node";
  if (value === "node") return nodeCryptoEngine;
  if (value === "webcrypto") return webCryptoEngine;
  throw new ConfigError('CRYPTO_ENGINE: must be "node" (the default) or "webcrypto"');
}

function isSet(env: Env, name: string): boolean {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "";
}

/**
 * Zero-config start: with no APPS, the relay runs as a local sandbox — loopback only, an ephemeral
 * state key and client secret made now (gone at exit), and one app `sandbox` on the built-in
 * sandbox server. Returns null when APPS is set: then it is the normal relay, configured or failing.
 */
export function sandboxEnv(env: Env): Env | null {
  if (isSet(env, "APPS")) return null;
  const raw = typeof env.PORT === "string" && env.PORT.trim() !== "" ? env.PORT.trim() : "8787";
  const port = /^\d{1,5}$/.test(raw) && Number(raw) > 0 && Number(raw) < 65536 ? raw : "8787";
  const secret = generateStateKeyPair("x").slice(2);
  return {
    ...env,
    PORT: port,
    HOST: "127.0.0.1",
    RELAY_URL: `http://127.0.0.1:${port}`,
    STATE_KEYS: generateStateKeyPair("sbx"),
    SANDBOX: "1",
    APPS: JSON.stringify([{ id: "sandbox", server: "sandbox", client_id: "sandbox-client", name: "Sandbox" }]),
    CLIENT_SECRET_SANDBOX: secret,
  };
}

function sandboxBanner(url: string): string {
  const relayFlag = url === "http://127.0.0.1:8787" ? "" : ` --relay ${url}`;
  return [
    "",
    "  qorus-oauth-relay: SANDBOX MODE (no APPS configured)",
    `  Relay and built-in test OAuth2 server on ${url} (loopback only).`,
    "  Ephemeral state key and client secret; nothing here is a real account. Not for production.",
    "",
    "  Next, in another terminal:",
    `    npx qorus-oauth-relay login sandbox${relayFlag}`,
    "",
    "  To relay real providers, set APPS, STATE_KEYS and CLIENT_SECRET_<ID> (see README.md).",
    "",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const sandbox = sandboxEnv(process.env);
  let relay: NodeRelay;
  try {
    relay = await startNodeRelay({ env: sandbox ?? process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`qorus-oauth-relay: ${error.message}\nSee README.md ("Configuration") and .env.example.\n`);
      process.exit(1);
    }
    throw error;
  }
  process.stderr.write(`qorus-oauth-relay listening on ${relay.url}\n`);
  if (sandbox) process.stderr.write(sandboxBanner(relay.url));
  const stop = () => {
    process.stderr.write("qorus-oauth-relay: shutting down\n");
    relay.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
