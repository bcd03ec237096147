/**
 * The one stand-in for a Qorus instance in the tests:
 * - its key (an ECDH pair, or an `oct` key for the AES-only `dir` profile) and state nonce;
 * - starting a flow (POST /v1/flows) against a relay reached over HTTP or in process;
 * - reading what the relay hands the browser (303 with query or fragment, form_post page, or the
 *   confirmation page for an unlisted origin) and answering the confirmation as the browser would;
 * - opening a result exactly as docs/PROTOCOL.md tells an instance to;
 * - refreshing through the relay;
 * - and, for browser tests, a listening instance on loopback that receives deliveries in every
 *   response mode and opens them with the reference client (src/client).
 */
import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { jwtDecrypt } from "jose";
import { stringify as stringifyYaml } from "yaml";
import {
  readDelivery as clientReadDelivery,
  startFlow as clientStartFlow,
  decryptResult,
  generateInstanceKey,
  type InstanceKey,
  type KeyType,
  PendingFlows,
  type ResultClaims,
} from "../../src/client/index.js";
import { send } from "./http.js";

export type { InstanceKey, KeyType } from "../../src/client/index.js";
export type ResponseMode = "form_post" | "query" | "fragment";

/** A fresh instance key; X25519 by default. */
export function newInstanceKey(type: KeyType = "X25519"): Promise<InstanceKey> {
  return generateInstanceKey(type);
}

/** A fresh instance nonce (43 chars of base64url), optionally behind a recognizable prefix. */
export function newInstanceState(prefix = ""): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`.slice(0, 128);
}

/** Where the relay is: a base URL reached with fetch, or an in-process relay's `request`. */
export type RelayTarget = string | { readonly request: (path: string, init?: RequestInit) => Promise<Response> };

export function callRelay(target: RelayTarget, path: string, init?: RequestInit): Promise<Response> {
  return typeof target === "string" ? fetch(`${target}${path}`, init) : target.request(path, init);
}

export interface FlowRequest {
  app: string;
  return_to: string;
  state?: string;
  response_mode?: ResponseMode;
  scope?: string;
  params?: Record<string, string>;
  tenant?: string;
  vars?: Record<string, string>;
}

export interface StartedFlow {
  authorizationUrl: string;
  expiresAt: number;
  /** The flow reply's `issuer`: what the result's `iss` must be. */
  issuer: string;
  state: string;
  key: InstanceKey;
  returnTo: string;
  /** The relay state inside the provider URL. */
  relayState: string;
}

/** POST /v1/flows; throws with the relay's answer unless it is 201. */
export async function startFlow(
  target: RelayTarget,
  request: FlowRequest,
  options: { key?: InstanceKey; headers?: Record<string, string> } = {},
): Promise<StartedFlow> {
  const key = options.key ?? (await newInstanceKey());
  const state = request.state ?? newInstanceState();
  const response = await callRelay(target, "/v1/flows", {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: JSON.stringify({ ...request, state, key: key.publicJwk }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /v1/flows answered ${response.status}: ${text}`);
  const body = JSON.parse(text) as { authorization_url: string; expires_at: number; issuer: string };
  return {
    authorizationUrl: body.authorization_url,
    expiresAt: body.expires_at,
    issuer: body.issuer,
    state,
    key,
    returnTo: request.return_to,
    relayState: new URL(body.authorization_url).searchParams.get("state") ?? "",
  };
}

export interface Delivered {
  mode: ResponseMode;
  /** Where the browser is sent: the form action or the redirect target without the delivered fields. */
  target: string;
  fields: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_all, entity: string) => ENTITIES[entity] ?? "");
}

function fieldsOf(params: URLSearchParams): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in fields) throw new Error(`delivered field ${name} appears twice`);
    fields[name] = value;
  }
  return fields;
}

/** The one POST form of a relay page (delivery or confirmation): its action and hidden fields. */
export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)];
  if (forms.length !== 1) throw new Error(`expected exactly one form, found ${forms.length}: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const input of (forms[0]?.[2] ?? "").matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    const name = unescapeHtml(input[1] ?? "");
    if (name in fields) throw new Error(`field ${name} appears twice`);
    fields[name] = unescapeHtml(input[2] ?? "");
  }
  return { action: unescapeHtml(forms[0]?.[1] ?? ""), fields };
}

/**
 * What the relay hands the browser at the end of a flow, read the way the browser would carry it
 * to return_to. Consumes the response body; throws if it is not a delivery (e.g. a confirmation).
 */
export async function readDelivery(response: Response): Promise<Delivered> {
  if (response.status === 303) {
    const location = response.headers.get("location");
    if (!location) throw new Error("303 without Location");
    const url = new URL(location);
    const hash = url.hash.slice(1);
    if (hash !== "" && hash !== "_") {
      url.hash = "";
      return { mode: "fragment", target: url.href, fields: fieldsOf(new URLSearchParams(hash)) };
    }
    if (hash !== "_") throw new Error(`query delivery without the empty fragment #_: ${location.slice(0, 80)}`);
    const fields = fieldsOf(url.searchParams);
    for (const name of Object.keys(fields)) url.searchParams.delete(name);
    url.hash = "";
    return { mode: "query", target: url.href, fields };
  }
  const body = await response.text();
  if (response.status !== 200 || !/text\/html/.test(response.headers.get("content-type") ?? "")) {
    throw new Error(`not a delivery: ${response.status} ${body.slice(0, 200)}`);
  }
  const { action, fields } = parseForm(body);
  if (action.endsWith("/v1/confirm")) throw new Error("a confirmation page, not a delivery");
  return { mode: "form_post", target: action, fields };
}

export interface Confirmation {
  /** The form action: the relay's own POST /v1/confirm. */
  readonly action: string;
  readonly pending: string;
  /** The page's text, tags removed. */
  readonly text: string;
  readonly html: string;
}

/** Reads the confirmation page the callback shows for an unlisted return origin. */
export async function readConfirmation(response: Response): Promise<Confirmation> {
  const html = await response.text();
  if (response.status !== 200) throw new Error(`not a confirmation: ${response.status} ${html.slice(0, 200)}`);
  const { action, fields } = parseForm(html);
  if (!action.endsWith("/confirm") || fields.pending === undefined)
    throw new Error(`not a confirmation page: ${html.slice(0, 200)}`);
  const text = unescapeHtml(html.replace(/<style[\s\S]*?<\/style>/g, "").replace(/<[^>]+>/g, "")).replace(/\s+/g, " ");
  return { action, pending: fields.pending, text, html };
}

/** The headers a browser sends with the confirmation page's own POST (same origin). */
export function sameOriginHeaders(relayOrigin: string): Record<string, string> {
  return { origin: relayOrigin, "sec-fetch-site": "same-origin" };
}

/** Answers the confirmation as the user's browser would (Send or Cancel), from the relay's page. */
export function answerConfirmation(
  target: RelayTarget,
  confirmation: Confirmation,
  decision: "send" | "cancel",
  headers: Record<string, string> = sameOriginHeaders(new URL(confirmation.action).origin),
): Promise<Response> {
  const { pathname } = new URL(confirmation.action);
  return callRelay(target, pathname, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ pending: confirmation.pending, decision }).toString(),
    redirect: "manual",
  });
}

export interface OpenedResult {
  header: { alg: string; enc: string; typ?: string; kid?: string; epk?: unknown };
  claims: {
    iss: string;
    aud: string;
    state: string;
    app: string;
    server: string;
    tenant: string | null;
    iat: number;
    exp: number;
    jti: string;
    token: Record<string, unknown>;
  };
}

/** The instance-side decrypt alone: explicit allow-lists, zip refused, typ, iss and aud checked by jose. */
export function decryptFor(result: string, key: InstanceKey, issuer: string) {
  return jwtDecrypt(result, key.privateKey, {
    keyManagementAlgorithms: [key.type === "oct" ? "dir" : "ECDH-ES"],
    contentEncryptionAlgorithms: ["A256GCM"],
    maxDecompressedLength: 0,
    typ: "oauth-relay-result+jwt",
    issuer,
    audience: key.thumbprint,
    requiredClaims: ["iat", "exp", "jti"],
  });
}

/** Opens a delivered result exactly as docs/PROTOCOL.md asks the instance to; throws on any mismatch. */
export async function openResult(flow: StartedFlow, delivered: Delivered): Promise<OpenedResult> {
  const { result, state } = delivered.fields;
  if (result === undefined) throw new Error(`no result delivered: ${JSON.stringify(delivered.fields)}`);
  if (state !== flow.state) throw new Error("delivered state is not the flow's state");
  const { payload, protectedHeader } = await jwtDecrypt(result, flow.key.privateKey, {
    keyManagementAlgorithms: [flow.key.type === "oct" ? "dir" : "ECDH-ES"],
    contentEncryptionAlgorithms: ["A256GCM"],
    maxDecompressedLength: 0,
    typ: "oauth-relay-result+jwt",
    issuer: flow.issuer,
    audience: flow.key.thumbprint,
    requiredClaims: ["iat", "exp", "jti", "state", "token"],
  });
  if (protectedHeader.kid !== flow.key.thumbprint) throw new Error("result kid is not the key thumbprint");
  if (payload.state !== flow.state) throw new Error("result state is not the flow's state");
  return { header: protectedHeader as OpenedResult["header"], claims: payload as unknown as OpenedResult["claims"] };
}

/** POST /v1/token/<app> as the instance does for a refresh. */
export function refresh(
  target: RelayTarget,
  app: string,
  refreshToken: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  return callRelay(target, `/v1/token/${app}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, ...extra }).toString(),
  });
}

// ---------------------------------------------------------------------------------------------
// An instance of the older Qorus cloud protocol (the relay's bridge), built the way Qore's
// RestClient builds its requests (qlib/RestClient.qm: getAuthorizationCodeRequest,
// getOAuth2RefreshInfo): the instance makes the provider URL itself, the state is base64 of a YAML
// mapping, the secret is the literal "cloud", refresh goes to the alternate token URL.

/** base64(YAML(fields)), as Qorus makes its cloud state. */
export function qorusState(fields: Readonly<Record<string, unknown>>): string {
  return Buffer.from(stringifyYaml(fields)).toString("base64");
}

/**
 * `{auth_url}{?|&}scope=…&redirect_uri=…&client_id=…&response_type=code`, then each auth arg, then
 * `&state=…`, then PKCE: only the scope is URL-encoded; redirect_uri and state go in as given.
 */
export function qorusAuthorizationUrl(options: {
  authUrl: string;
  scopes: readonly string[];
  redirectUri: string;
  clientId: string;
  authArgs?: Readonly<Record<string, string>>;
  state: string;
  codeChallenge?: string;
}): string {
  let uri = `${options.authUrl}${options.authUrl.includes("?") ? "&" : "?"}`;
  uri += `scope=${encodeURIComponent(options.scopes.join(" "))}&redirect_uri=${options.redirectUri}&client_id=${options.clientId}&response_type=code`;
  for (const [name, value] of Object.entries(options.authArgs ?? {})) uri += `&${name}=${value}`;
  uri += `&state=${options.state}`;
  if (options.codeChallenge) uri += `&code_challenge=${options.codeChallenge}&code_challenge_method=S256`;
  return uri;
}

/** The refresh request body to the alternate token URL: RestClient's refresh info plus the token args. */
export function qorusRefreshBody(options: {
  clientId: string;
  refreshToken: string;
  oauth2App: string;
  tokenUrl: string;
  clientSecret?: string;
}): URLSearchParams {
  return new URLSearchParams({
    client_id: options.clientId,
    client_secret: options.clientSecret ?? "cloud",
    grant_type: "refresh_token",
    refresh_token: options.refreshToken,
    oauth2_app: options.oauth2App,
    oauth2_token_url: options.tokenUrl,
  });
}

/** What the relay sent the browser to: update_connection_uri with the old protocol's fields. */
export function readQorusDelivery(response: Response): {
  target: string;
  redirectUri: string;
  fields: Record<string, string>;
} {
  if (response.status !== 303) throw new Error(`not a Qorus delivery: ${response.status}`);
  const url = new URL(response.headers.get("location") ?? "");
  const fields = fieldsOf(url.searchParams);
  const redirectUri = Buffer.from(fields.redirect_uri ?? "", "base64").toString("utf8");
  for (const name of Object.keys(fields)) url.searchParams.delete(name);
  return { target: url.href, redirectUri, fields };
}

// ---------------------------------------------------------------------------------------------
// A listening instance on loopback, for browser tests.

export type ListeningOutcome =
  | { readonly kind: "result"; readonly via: ResponseMode; readonly claims: ResultClaims }
  | { readonly kind: "error"; readonly via: ResponseMode; readonly error: string; readonly description: string };

export interface ListeningFlow {
  readonly authorizationUrl: string;
  readonly state: string;
  readonly returnTo: string;
  /** Settles when the instance has received and checked this flow's delivery. */
  readonly outcome: Promise<ListeningOutcome>;
}

interface Waiter {
  resolve(outcome: ListeningOutcome): void;
  reject(error: Error): void;
}

/** fetch for the client that trusts the test's self-signed certificate. */
function fetchTrusting(ca: Buffer | undefined): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === "string" ? init.body : undefined;
    const response = await send(url, { method: init?.method ?? "GET", headers, body, ca });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === "string") responseHeaders.set(name, value);
    }
    return new Response(response.body, { status: response.status, headers: responseHeaders });
  }) as typeof fetch;
}

export interface ListeningInstance {
  /** The origin the browser uses (may be a test host name that the browser maps to 127.0.0.1). */
  readonly origin: string;
  startFlow(
    relayUrl: string,
    request: { app: string; responseMode: ResponseMode; ca?: Buffer; keyType?: KeyType },
  ): Promise<ListeningFlow>;
  /** Deliveries of the older Qorus cloud protocol received on `${origin}/qorus-update`, in order. */
  readonly qorusUpdates: Array<Record<string, string>>;
  /** Everything secret the instance has seen: states, return_to path segments, tokens. */
  readonly sentinels: string[];
  close(): Promise<void>;
}

const random = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string, script = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}
.ok{color:#166534}.err{color:#991b1b}code{word-break:break-all}</style></head><body>${body}${script}</body></html>`;
}

/** The fragment-mode landing page: the browser alone sees the fragment, so a script posts it back. */
const FRAGMENT_SCRIPT = `<script>
(async () => {
  const fields = location.hash.slice(1);
  history.replaceState(null, "", location.pathname);
  const response = await fetch(location.pathname, { method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-relay-delivery": "fragment" }, body: fields });
  document.body.innerHTML = await response.text();
})();
</script>`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startListeningInstance(
  options: {
    port?: number;
    /** The host name in the instance's origin (the browser maps it to the listening address). */
    host?: string;
    /** Where to listen: 127.0.0.1 by default, or ::1 (the origin is then http://[::1]:port). */
    listen?: "127.0.0.1" | "::1";
    tls?: { cert: Buffer; key: Buffer };
  } = {},
): Promise<ListeningInstance> {
  const pending = new PendingFlows();
  const waiters = new Map<string, Waiter>();
  const sentinels: string[] = [];
  const qorusUpdates: Array<Record<string, string>> = [];
  const scheme = options.tls ? "https" : "http";

  async function settle(fields: URLSearchParams, via: ResponseMode): Promise<[number, string]> {
    const delivery = clientReadDelivery(fields);
    const waiter = delivery ? waiters.get(delivery.state) : undefined;
    const flow = delivery ? pending.take(delivery.state) : undefined; // one use, whatever follows
    if (!delivery || !waiter || !flow) return [400, `<h1 class="err">Unknown or used state</h1>`];
    waiters.delete(delivery.state);
    if (delivery.kind === "error") {
      waiter.resolve({ kind: "error", via, error: delivery.error, description: delivery.errorDescription });
      return [
        200,
        `<h1 class="err">Connection failed</h1><p>The relay reported <code>${escapeHtml(delivery.error)}</code>: ${escapeHtml(delivery.errorDescription)}</p>`,
      ];
    }
    try {
      const claims = await decryptResult(delivery.result, flow);
      for (const name of ["access_token", "refresh_token", "id_token"]) {
        const value = claims.token[name];
        if (typeof value === "string") sentinels.push(value);
      }
      waiter.resolve({ kind: "result", via, claims });
      return [
        200,
        `<h1 class="ok">Connected</h1><p>The instance decrypted a <code>${escapeHtml(claims.token.token_type)}</code> token for app <code>${escapeHtml(claims.app)}</code>.</p>`,
      ];
    } catch (error) {
      waiter.reject(error as Error);
      return [400, `<h1 class="err">Result rejected</h1>`];
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://instance");
    const reply = (status: number, html: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html);
    };
    if (url.pathname === "/qorus-update") {
      // The older Qorus cloud protocol: tokens arrive as query parameters (the bridge's delivery).
      const fields = fieldsOf(url.searchParams);
      qorusUpdates.push(fields);
      for (const name of ["access_token", "refresh_token", "id_token", "auth_context"]) {
        if (fields[name]) sentinels.push(fields[name] as string);
      }
      return reply(200, page("Instance", `<h1 class="ok">Qorus connection updated</h1>`));
    }
    if (url.pathname === "/frame") {
      // Another origin trying to frame a relay page (clickjacking check).
      const src = url.searchParams.get("src") ?? "about:blank";
      reply(
        200,
        page(
          "Framing test",
          `<h1>Framing test</h1><iframe id="target" width="700" height="400" src="${escapeHtml(src)}"></iframe>`,
        ),
      );
      return;
    }
    if (!url.pathname.startsWith("/oauth2/")) return reply(404, page("Not found", "<h1>Not found</h1>"));
    if (req.method === "POST") {
      const body = new URLSearchParams(await readBody(req));
      const fragment = req.headers["x-relay-delivery"] === "fragment";
      const [status, html] = await settle(body, fragment ? "fragment" : "form_post");
      return reply(status, fragment ? html : page("Instance", html));
    }
    if (url.searchParams.has("state")) {
      const [status, html] = await settle(url.searchParams, "query");
      return reply(status, page("Instance", html));
    }
    return reply(200, page("Instance", "<p>Reading the relay's answer…</p>", FRAGMENT_SCRIPT));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.listen ?? "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? (options.listen === "::1" ? "[::1]" : "127.0.0.1");
  const origin = `${scheme}://${host}:${port}`;

  return {
    origin,
    sentinels,
    qorusUpdates,
    async startFlow(relayUrl, request) {
      const segment = `RETURN_SENTINEL_${random(9)}`;
      const returnTo = `${origin}/oauth2/${segment}/relay`;
      const started = await clientStartFlow({
        relay: relayUrl,
        app: request.app,
        returnTo,
        responseMode: request.responseMode,
        keyType: request.keyType,
        fetch: fetchTrusting(request.ca),
      });
      const state = started.pending.state;
      sentinels.push(state, segment);
      let resolve!: (outcome: ListeningOutcome) => void;
      let reject!: (error: Error) => void;
      const outcome = new Promise<ListeningOutcome>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      outcome.catch(() => {});
      pending.add(started.pending);
      waiters.set(state, { resolve, reject });
      return { authorizationUrl: started.authorizationUrl, state, returnTo, outcome };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
