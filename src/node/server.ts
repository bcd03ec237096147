/**
 * The relay as a Node HTTP(S) server: configuration → createRelay → @hono/node-server, with the
 * listener limits that keep slow or many clients from holding it (docs/SECURITY.md "Abuse limits"). Records
 * go through `writeRecord` (stdout by default) and counters to GET /metrics.
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Config, ConfigError, type Env, loadNodeConfig, type NodeSettings } from "../config.js";
import { mountQorusBridge } from "../legacy/bridge.js";
import { createRelay } from "../relay.js";
import { mountSandbox, sandboxAwareFetch } from "../sandbox/server.js";
import { nodeLimits } from "./limits.js";
import { LineRecorder } from "./line-recorder.js";

export interface NodeRelay {
  readonly url: string;
  readonly config: Config;
  close(): Promise<void>;
}

export interface NodeRelayOptions {
  readonly env: Env;
  /** Where records go (one JSON line each); stdout by default. */
  readonly writeRecord?: (line: string) => void;
  /** Upstream fetch override, for tests. */
  readonly fetch?: typeof fetch;
}

function readPem(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new ConfigError(`invalid configuration:\n  - ${name}: cannot read the file it names`);
  }
}

/**
 * Timeouts and a connection cap on the listener: a client that trickles its headers is cut off
 * after `headersTimeoutMs` (Node checks every `connectionsCheckingInterval`, 30 s by default, so
 * that is tightened too), a whole request after `requestTimeoutMs`; idle keep-alive connections
 * close after `keepAliveTimeoutMs`; past `maxConnections` new connections are dropped.
 */
function listenerOptions(settings: NodeSettings) {
  return {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
  };
}

export async function startNodeRelay(options: NodeRelayOptions): Promise<NodeRelay> {
  const { config, node: settings } = await loadNodeConfig(options.env);
  const recorder = new LineRecorder(options.writeRecord ?? ((line) => process.stdout.write(`${line}\n`)));
  const app = createRelay({
    config,
    recorder,
    limits: nodeLimits(config),
    fetch: options.fetch,
    clientAddress: (c) => getConnInfo(c).remote.address,
    metrics: () => recorder.metrics(),
    sandbox: { mountSandbox, sandboxAwareFetch },
    qorusBridge: mountQorusBridge,
  });
  const serverOptions = listenerOptions(settings);
  const tls = settings.tls;
  const server = (
    tls
      ? serve({
          fetch: app.fetch,
          port: settings.port,
          hostname: settings.host,
          createServer: createHttpsServer,
          serverOptions: {
            ...serverOptions,
            cert: readPem("TLS_CERT_FILE", tls.certFile),
            key: readPem("TLS_KEY_FILE", tls.keyFile),
          },
        })
      : serve({ fetch: app.fetch, port: settings.port, hostname: settings.host, serverOptions })
  ) as Server;
  server.maxConnections = settings.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? "https" : "http"}://${host}:${address.port}`,
    config,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
