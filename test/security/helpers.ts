/**
 * In-process relay for the security tests: `createApp` with a spied outbound fetch (routed to the
 * provider fakes), captured records and an adjustable clock.
 */
import { createApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import { webCryptoEngine } from "../../src/crypto/webcrypto-engine.js";
import { nodeCryptoEngine } from "../../src/node-crypto-engine.js";
import { LineRecorder } from "../../src/records.js";
import { DROPBOX_API, DropboxFake } from "../fakes/dropbox.js";
import { GENERIC_AS, GenericFake } from "../fakes/generic.js";
import { asFetch, type Handler, type RecordedRequest, recordRequest, routeTo } from "../fakes/http.js";
import { type InstanceKey, newInstanceKey, newInstanceState } from "../fakes/instance.js";
import { MICROSOFT_LOGIN, MicrosoftFake } from "../fakes/microsoft.js";

export const RELAY_URL = "https://relay.example.test";
export const LOOPBACK_RETURN = "http://127.0.0.1:8011/oauth2/relay";
export const SECRETS = {
  dropbox: "DBX_SECRET_SENTINEL_9f3",
  ms: "MS_SECRET_SENTINEL~7d1",
  // RFC 6749 §2.3.1: these characters must be form-urlencoded before Basic encoding.
  acme: "acme+sec/ret%:~ 42",
  sandbox: "SANDBOX_SECRET_SENTINEL",
};

export function baseEnv(stateKeys = generateStateKeyPair("k1")): Record<string, string> {
  return {
    RELAY_URL,
    STATE_KEYS: stateKeys,
    SANDBOX: "1",
    APPS: JSON.stringify([
      { id: "dropbox", server: "dropbox", client_id: "dbx-client" },
      { id: "ms", server: "microsoft", client_id: "ms-client", tenant: "organizations" },
      {
        id: "acme",
        client_id: "acme client:id",
        scopes: { default: ["profile"], allow: ["profile", "files.*"] },
        server: {
          id: "acme",
          authorization_endpoint: `${GENERIC_AS}/authorize`,
          token_endpoint: `${GENERIC_AS}/token`,
          issuer: GENERIC_AS,
          token_endpoint_auth_method: "client_secret_basic",
          pkce: "S256",
          iss_parameter: true,
        },
      },
      { id: "sandbox", server: "sandbox", client_id: "sandbox-client" },
    ]),
    CLIENT_SECRET_DROPBOX: SECRETS.dropbox,
    CLIENT_SECRET_MS: SECRETS.ms,
    CLIENT_SECRET_ACME: SECRETS.acme,
    CLIENT_SECRET_SANDBOX: SECRETS.sandbox,
  };
}

export interface TestRelay {
  readonly config: Config;
  readonly env: Record<string, string>;
  readonly request: (path: string, init?: RequestInit) => Promise<Response>;
  /** Every outbound request the relay made, in order. */
  readonly upstream: RecordedRequest[];
  readonly records: string[];
  readonly dropbox: DropboxFake;
  readonly microsoft: MicrosoftFake;
  readonly generic: GenericFake;
  /** Shifts the relay's clock (seconds). */
  clock: { offset: number };
  /** Replaces the outbound handler (after recording). */
  outbound: { override: Handler | null };
}

export async function makeRelay(envOverrides: Record<string, string | undefined> = {}): Promise<TestRelay> {
  const env = Object.fromEntries(
    Object.entries({ ...baseEnv(), ...envOverrides }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  // CRYPTO_ENGINE as the Node entry reads it; absent: the WebCrypto engine (what Workers run).
  const config = await loadConfig(env, env.CRYPTO_ENGINE === "node" ? nodeCryptoEngine : webCryptoEngine);
  const dropbox = new DropboxFake({
    clientId: "dbx-client",
    clientSecret: SECRETS.dropbox,
    redirectUris: [`${RELAY_URL}/v1/callback/dropbox`],
  });
  const microsoft = new MicrosoftFake({
    clientId: "ms-client",
    clientSecret: SECRETS.ms,
    redirectUris: [`${RELAY_URL}/v1/callback/ms`],
    tenants: ["contoso.com"],
  });
  const generic = new GenericFake({
    clientId: "acme client:id",
    clientSecret: SECRETS.acme,
    redirectUris: [`${RELAY_URL}/v1/callback/acme`],
  });
  const upstream: RecordedRequest[] = [];
  const records: string[] = [];
  const clock = { offset: 0 };
  const outbound: { override: Handler | null } = { override: null };
  const route = routeTo({
    [DROPBOX_API]: dropbox.handle,
    [MICROSOFT_LOGIN]: microsoft.handle,
    [GENERIC_AS]: generic.handle,
  });
  const spy: Handler = async (request) => {
    upstream.push(await recordRequest(request.clone()));
    return (outbound.override ?? route)(request);
  };
  const deps = {
    config,
    recorder: new LineRecorder((line) => records.push(line)),
    fetch: asFetch(spy),
    now: () => Math.floor(Date.now() / 1000) + clock.offset,
  };
  const app = createApp({ resolveDeps: async () => deps });
  const request = async (path: string, init?: RequestInit) => app.request(path, init);
  return { config, env, request, upstream, records, dropbox, microsoft, generic, clock, outbound };
}

let sharedKey: Promise<InstanceKey> | null = null;
export function instanceKey(): Promise<InstanceKey> {
  sharedKey ??= newInstanceKey("X25519");
  return sharedKey;
}

export function postJson(body: unknown): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export function postForm(body: Record<string, string> | string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: typeof body === "string" ? body : new URLSearchParams(body).toString(),
  };
}

export interface StartedFlow {
  readonly authorizationUrl: string;
  /** The relay state carried in the authorization URL (empty for a confirm-page URL). */
  readonly relayState: string;
  readonly state: string;
}

/** POST /v1/flows with sensible defaults; asserts 201. */
export async function startFlow(relay: TestRelay, body: Record<string, unknown> = {}): Promise<StartedFlow> {
  const key = await instanceKey();
  const state = newInstanceState();
  const response = await relay.request(
    "/v1/flows",
    postJson({ app: "dropbox", return_to: LOOPBACK_RETURN, state, key: key.publicJwk, ...body }),
  );
  const json = (await response.json()) as { authorization_url: string; error_description?: string };
  if (response.status !== 201) throw new Error(`flow not started: ${response.status} ${json.error_description}`);
  const url = new URL(json.authorization_url);
  return { authorizationUrl: json.authorization_url, relayState: url.searchParams.get("state") ?? "", state };
}

/** The invalid-request page with its per-response CSP nonce normalized away. */
export function normalizeNonce(body: string): string {
  return body.replace(/nonce="[^"]*"/g, 'nonce="N"');
}

export function stateKeyBytes(stateKeys: string, kid = "k1"): Uint8Array {
  const pair = stateKeys.split(",").find((entry) => entry.startsWith(`${kid}:`)) ?? "";
  return new Uint8Array(Buffer.from(pair.slice(kid.length + 1), "base64url"));
}
