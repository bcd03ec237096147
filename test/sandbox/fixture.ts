import type { Hono } from "hono";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import type { RelayDeps, RelayEnv } from "../../src/flow/context.js";
import type { GrantRecord } from "../../src/records.js";
import { mountSandbox, sandboxAwareFetch } from "../../src/sandbox/server.js";

export const RELAY = "http://127.0.0.1:8787";
export const CLIENT_ID = "sandbox-client";
export const SECRET = "s3cret with spaces & symbols:+/";
export const REDIRECT_URI = `${RELAY}/v1/callback/sandbox`;

export interface Fixture {
  readonly app: Hono<RelayEnv>;
  readonly records: GrantRecord[];
  /** Milliseconds; move it forward to expire things. */
  clock: number;
  /** fetch-compatible, answered in process by the app. */
  readonly fetch: typeof fetch;
}

export async function sandboxFixture(extraEnv: Record<string, string> = {}): Promise<Fixture> {
  const config = await loadConfig({
    RELAY_URL: RELAY,
    STATE_KEYS: generateStateKeyPair("t1"),
    SANDBOX: "1",
    APPS: JSON.stringify([{ id: "sandbox", server: "sandbox", client_id: CLIENT_ID }]),
    CLIENT_SECRET_SANDBOX: SECRET,
    ...extraEnv,
  });
  const records: GrantRecord[] = [];
  const fixture: { app?: Hono<RelayEnv>; records: GrantRecord[]; clock: number; fetch?: typeof fetch } = {
    records,
    clock: Date.now(),
  };
  const appFetch = (request: Request) => {
    if (!fixture.app) throw new Error("app not ready");
    return fixture.app.fetch(request);
  };
  const deps: RelayDeps = {
    config,
    recorder: { record: (entry) => records.push(entry) },
    fetch: sandboxAwareFetch(config.relayUrl, appFetch, () => Promise.reject(new Error("no network in tests"))),
    now: () => Math.floor(fixture.clock / 1000),
  };
  fixture.app = createApp({
    resolveDeps: async () => deps,
    mount: (hono, getDeps) => mountSandbox(hono, getDeps, { now: () => fixture.clock }),
  });
  const app = fixture.app;
  fixture.fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    app.fetch(new Request(input, init))) as typeof fetch;
  return fixture as Fixture;
}

export function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString("base64")}`;
}

export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return Buffer.from(digest).toString("base64url");
}

export const VERIFIER = "v".repeat(43) + "-._~0123456789";
