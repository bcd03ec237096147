/**
 * Child process for the HTTP benchmark: serves either the relay (`startNodeRelay`, the server that
 * `npm start`'s dist/node.js starts, here from src through tsx so that the upstream fetch can be
 * handed in) or the bare baseline on a random loopback port, and prints its URL on stdout.
 * Its token endpoint is BENCH_TOKEN_URL (a local node:http server in the parent process): the
 * relay's Dropbox token URL is rewritten to it, nothing else about the request changes.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { startNodeRelay } from "../src/node/server.js";
import { createBaselineApp } from "./baseline.js";
import { RETURN_TO } from "./fixtures.js";

const mode = process.argv[2];
const tokenUrl = process.env.BENCH_TOKEN_URL as string;

if (mode === "relay") {
  const env = JSON.parse(process.env.BENCH_RELAY_ENV as string) as Record<string, string>;
  const upstream: typeof fetch = (_input, init) => fetch(tokenUrl, init);
  const relay = await startNodeRelay({
    env: { ...env, PORT: "0" },
    writeRecord: () => {},
    fetch: upstream,
  });
  process.stdout.write(`${relay.url}\n`);
} else if (mode === "baseline") {
  const app = createBaselineApp(tokenUrl, RETURN_TO);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  server.once("listening", () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
} else {
  throw new Error("usage: http-server.ts relay|baseline");
}

// Exit normally on SIGTERM so that --cpu-prof (BENCH_CHILD_ARGS) gets to write its profile.
process.once("SIGTERM", () => process.exit(0));
