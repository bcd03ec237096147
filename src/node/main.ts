/**
 * Node entry (`npm start`, built to dist/node.js): self-hosting and the zero-setup local default.
 * Configuration from the process environment, or a `.env` file in the working directory; with no
 * APPS configured, the built-in sandbox. Records are JSON lines on stdout; nothing else is ever
 * written there. stderr carries only start-up and shutdown messages, never request data.
 */
import { existsSync } from "node:fs";
import { ConfigError, isUnconfigured, sandboxDefaults } from "../config.js";
import { type NodeRelay, startNodeRelay } from "./server.js";

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
  const sandbox = isUnconfigured(process.env);
  let relay: NodeRelay;
  try {
    relay = await startNodeRelay({ env: sandbox ? sandboxDefaults(process.env) : process.env });
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

await main();
