/**
 * The in-process relay for the security tests (test/harness/relay.ts), with its upstream routed to
 * the provider fakes, captured records and an adjustable clock.
 */
import type { Config } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import { DROPBOX_API, DropboxFake } from "../fakes/dropbox.js";
import { GENERIC_AS, GenericFake } from "../fakes/generic.js";
import { type Handler, type RecordedRequest, routeTo } from "../fakes/http.js";
import { MICROSOFT_LOGIN, MicrosoftFake } from "../fakes/microsoft.js";
import { genericApp } from "../harness/generic-app.js";
import { type InstanceKey, newInstanceKey, newInstanceState } from "../harness/instance.js";
import { type InProcessOptions, inProcessRelay } from "../harness/relay.js";

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
      genericApp("acme", GENERIC_AS, {
        clientId: "acme client:id",
        server: { issuer: GENERIC_AS, iss_parameter: true },
        app: { scopes: { default: ["profile"], allow: ["profile", "files.*"] } },
      }),
      { id: "sandbox", server: "sandbox", client_id: "sandbox-client" },
      // Template variables: NetSuite's account_id per flow, GitLab's host the operator's alone.
      { id: "netsuite", server: "netsuite", client_id: "ns-client" },
      { id: "gitlab", server: "gitlab", client_id: "gl-client" },
    ]),
    CLIENT_SECRET_DROPBOX: SECRETS.dropbox,
    CLIENT_SECRET_MS: SECRETS.ms,
    CLIENT_SECRET_ACME: SECRETS.acme,
    CLIENT_SECRET_SANDBOX: SECRETS.sandbox,
    CLIENT_SECRET_NETSUITE: "NS_SECRET_SENTINEL",
    CLIENT_SECRET_GITLAB: "GL_SECRET_SENTINEL",
    // Abuse limits are off here (each test makes many requests from one address); they have their
    // own tests (test/security/abuse.test.ts), where they are on as by default.
    RATE_LIMIT: "off",
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

export async function makeRelay(
  envOverrides: Record<string, string | undefined> = {},
  options: Pick<InProcessOptions, "limits" | "clientAddress"> = {},
): Promise<TestRelay> {
  const env = Object.fromEntries(
    Object.entries({ ...baseEnv(), ...envOverrides }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
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
  const clock = { offset: 0 };
  const outbound: { override: Handler | null } = { override: null };
  const route = routeTo({
    [DROPBOX_API]: dropbox.handle,
    [MICROSOFT_LOGIN]: microsoft.handle,
    [GENERIC_AS]: generic.handle,
  });
  const relay = await inProcessRelay(env, {
    ...options,
    outbound: (request) => (outbound.override ?? route)(request),
    now: () => Math.floor(Date.now() / 1000) + clock.offset,
  });
  return {
    config: relay.config,
    env,
    request: relay.request,
    upstream: relay.upstream,
    records: relay.records,
    dropbox,
    microsoft,
    generic,
    clock,
    outbound,
  };
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
  /** The relay state carried in the authorization URL. */
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
