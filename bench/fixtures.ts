/**
 * Shared benchmark fixtures: a relay configuration, an X25519 instance key, a Microsoft-sized
 * (~6 KB) token response, an instant in-memory upstream, and helpers to mint relay states through
 * POST /v1/flows exactly as an instance would. A relay state is good for one callback (a second
 * one gets 400 before any upstream call), so every measured callback gets a state of its own.
 */
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { type Config, type Env, loadConfig } from "../src/config.js";
import { generateStateKeyPair } from "../src/crypto/state-keys.js";
import type { RelayEnv } from "../src/flow/context.js";
import { nodeLimits } from "../src/node/limits.js";
import { LineRecorder } from "../src/node/line-recorder.js";
import { createRelay } from "../src/relay.js";

export const RELAY_URL = "https://relay.example.com";
export const RETURN_TO = "http://127.0.0.1:9/cb";

/** Deterministic filler that looks like base64url token material. */
function filler(length: number, seed: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let out = "";
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += alphabet[x % 64];
  }
  return out;
}

/** A Microsoft Entra token response: JWT access token, refresh token and id token, ~6 KB of JSON. */
export const TOKEN_JSON = JSON.stringify({
  token_type: "Bearer",
  scope: "Files.ReadWrite.All User.Read profile openid email",
  expires_in: 4482,
  ext_expires_in: 4482,
  access_token: `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${filler(2900, 1)}.${filler(342, 2)}`,
  refresh_token: `1.AQ${filler(1700, 3)}`,
  id_token: `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${filler(700, 4)}.${filler(342, 5)}`,
});
export const TOKEN = JSON.parse(TOKEN_JSON) as Record<string, unknown>;

/** An upstream that answers every token request at once with the token JSON. */
export const instantFetch: typeof fetch = async () =>
  new Response(TOKEN_JSON, { status: 200, headers: { "content-type": "application/json; charset=utf-8" } });

/**
 * Installs @hono/node-server's lightweight Request and Response as the globals, exactly as
 * `npm start` does when it starts serving (src/node/server.ts → serve → getRequestListener), so in-process
 * figures measure the classes the Node relay really runs with rather than undici's.
 */
export function useNodeServerClasses(): void {
  getRequestListener(() => new Response(null));
}

export const APPS = [
  { id: "ms", server: "microsoft", client_id: "bench-client" },
  { id: "dropbox", server: "dropbox", client_id: "bench-client" },
];

/**
 * The relay as the figures measure it: the two apps the callbacks go to, and the abuse limits off
 * (RATE_LIMIT=off; they are on by default, 20 requests per minute per client and route, and a load
 * generator is one client). The one-use rule for relay states is always on, so every callback needs
 * a state of its own (mintState / mintStates).
 */
export function relayEnv(stateKeys: string, relayUrl = RELAY_URL): Env {
  return {
    RELAY_URL: relayUrl,
    STATE_KEYS: stateKeys,
    APPS: JSON.stringify(APPS),
    CLIENT_SECRET_MS: "bench-secret",
    CLIENT_SECRET_DROPBOX: "bench-secret",
    RATE_LIMIT: "off",
  };
}

/**
 * Catalogue apps as an operator configures them, for the start-up figure (6): configuration
 * parsing (catalogue look-up, template variables checked against their patterns, scope allow-lists)
 * is part of what start-up costs.
 */
export const STARTUP_APPS = [
  { id: "dropbox", server: "dropbox", client_id: "bench-dropbox-client" },
  {
    id: "ms",
    server: "microsoft",
    client_id: "00000000-0000-4000-8000-000000000001",
    vars: { tenant: "contoso.onmicrosoft.com" },
    scopes: { default: ["offline_access", "Files.ReadWrite.All", "User.Read", "Sites.Read.All"] },
  },
  { id: "google", server: "google", client_id: "bench-client.apps.googleusercontent.com" },
  { id: "netsuite", server: "netsuite", client_id: "bench-netsuite-client", vars: { account_id: "1234567-sb1" } },
  {
    id: "salesforce",
    server: "salesforce",
    client_id: "bench-salesforce-client",
    vars: { login_host: "acme--uat.sandbox.my.salesforce.com" },
  },
];

/** The start-up figure's environment: STARTUP_APPS with a client secret each, limits off. */
export function startupEnv(stateKeys: string, relayUrl = RELAY_URL): Record<string, string> {
  const secrets = Object.fromEntries(
    STARTUP_APPS.map((app) => [`CLIENT_SECRET_${app.id.toUpperCase()}`, `bench-secret-${app.id}`]),
  );
  return {
    RELAY_URL: relayUrl,
    STATE_KEYS: stateKeys,
    APPS: JSON.stringify(STARTUP_APPS),
    ...secrets,
    RATE_LIMIT: "off",
  };
}

export interface InstanceKey {
  readonly jwk: { kty: string; crv: string; x: string };
}

export async function newInstanceKey(): Promise<InstanceKey> {
  const pair = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { jwk: { kty: "OKP", crv: "X25519", x: jwk.x as string } };
}

export interface Bench {
  readonly app: Hono<RelayEnv>;
  readonly env: Env;
  readonly config: Config;
  readonly key: InstanceKey;
  flowBody(appId: string): string;
}

/** The relay as the Node entry builds it (createRelay with Node's recorder and limits), in process. */
export async function newBench(fetcher: typeof fetch = instantFetch): Promise<Bench> {
  const env = relayEnv(generateStateKeyPair("k1"));
  const config = await loadConfig(env);
  const app = createRelay({ config, recorder: new LineRecorder(() => {}), limits: nodeLimits(config), fetch: fetcher });
  const key = await newInstanceKey();
  let counter = 0;
  const flowBody = (appId: string) =>
    JSON.stringify({
      app: appId,
      return_to: RETURN_TO,
      state: `bench-instance-state-${String(counter++).padStart(8, "0")}`,
      key: key.jwk,
    });
  return { app, env, config, key, flowBody };
}

/** POST /v1/flows once (with Content-Length, as any HTTP client sends it); returns the relay state from the authorization URL. */
export async function mintState(app: Hono<RelayEnv>, body: string): Promise<string> {
  const response = await app.request("/v1/flows", {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    body,
  });
  if (response.status !== 201) throw new Error(`POST /v1/flows: ${response.status} ${await response.text()}`);
  const { authorization_url } = (await response.json()) as { authorization_url: string };
  const state = new URL(authorization_url).searchParams.get("state");
  if (!state) throw new Error("no state in authorization_url");
  return state;
}

export async function mintStates(bench: Bench, appId: string, count: number): Promise<string[]> {
  const states: string[] = [];
  for (let i = 0; i < count; i++) states.push(await mintState(bench.app, bench.flowBody(appId)));
  return states;
}

/** One Microsoft-style callback (form_post to the relay) through app.request. */
export async function msCallback(app: Hono<RelayEnv>, state: string, code: string): Promise<Response> {
  const body = `code=${code}&state=${state}&session_state=0b1c2d3e-aaaa-bbbb-cccc-0123456789ab`;
  // Content-Length as a browser sends it: without it hono's bodyLimit has to re-stream the body.
  return app.request("/v1/callback/ms", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(body.length) },
    body,
  });
}
