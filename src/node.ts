/**
 * Node entry (`npm start`): self-hosting and the zero-setup local default. Configuration from the
 * process environment, or a `.env` file in the working directory. Records are JSON lines on stdout
 * and counters at GET /metrics. Nothing else is ever written to stdout; stderr carries only
 * start-up and shutdown messages, never request data.
 */
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { ConfigError, type Env, loadConfig } from "./config.js";
import type { RelayDeps } from "./flow/context.js";
import { LineRecorder } from "./records.js";

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
  const config = await loadConfig(env);
  const recorder = new LineRecorder(options.writeRecord ?? ((line) => process.stdout.write(`${line}\n`)));
  const deps: RelayDeps = { config, recorder, fetch: options.fetch };
  const app = createApp({ resolveDeps: async () => deps, metrics: () => recorder.metrics() });
  const port = Number(typeof env.PORT === "string" && env.PORT !== "" ? env.PORT : 8787);
  const hostname = typeof env.HOST === "string" && env.HOST !== "" ? env.HOST : "127.0.0.1";
  const server = serve({ fetch: app.fetch, port, hostname });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  let relay: NodeRelay;
  try {
    relay = await startNodeRelay({ env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`qorus-oauth-relay: ${error.message}\nSee README.md ("Configuration") and .env.example.\n`);
      process.exit(1);
    }
    throw error;
  }
  process.stderr.write(`qorus-oauth-relay listening on ${relay.url}\n`);
  const stop = () => {
    process.stderr.write("qorus-oauth-relay: shutting down\n");
    relay.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
