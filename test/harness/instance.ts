/**
 * A minimal stand-in for a Qorus instance: makes an X25519 key pair, starts flows at the relay,
 * picks the delivered outcome out of whatever the browser would get (303 Location with query or
 * fragment, or the form_post page), and opens the result the way DESIGN.md tells the instance to.
 */
import { randomBytes } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, jwtDecrypt } from "jose";

export interface InstanceKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  thumbprint: string;
}

export async function newInstanceKey(): Promise<InstanceKey> {
  const { privateKey, publicKey } = await generateKeyPair("ECDH-ES", { crv: "X25519" });
  const exported = await exportJWK(publicKey);
  const publicJwk: JWK = { kty: exported.kty, crv: exported.crv, x: exported.x };
  return { privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk, "sha256") };
}

/** A fresh instance nonce (43 chars of base64url), optionally behind a recognizable prefix. */
export function newInstanceState(prefix = ""): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`.slice(0, 128);
}

export interface FlowRequest {
  app: string;
  return_to: string;
  state?: string;
  response_mode?: "form_post" | "query" | "fragment";
  scope?: string;
  params?: Record<string, string>;
  tenant?: string;
}

export interface StartedFlow {
  authorizationUrl: string;
  expiresAt: number;
  state: string;
  key: InstanceKey;
  returnTo: string;
}

/** POST /v1/flows; throws with the relay's answer unless it is 201. */
export async function startFlow(
  relayUrl: string,
  request: FlowRequest,
  options: { key?: InstanceKey; headers?: Record<string, string> } = {},
): Promise<StartedFlow> {
  const key = options.key ?? (await newInstanceKey());
  const state = request.state ?? newInstanceState();
  const response = await fetch(`${relayUrl}/v1/flows`, {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: JSON.stringify({ ...request, state, key: key.publicJwk }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /v1/flows answered ${response.status}: ${text}`);
  const body = JSON.parse(text) as { authorization_url: string; expires_at: number };
  return {
    authorizationUrl: body.authorization_url,
    expiresAt: body.expires_at,
    state,
    key,
    returnTo: request.return_to,
  };
}

export interface Delivered {
  mode: "form_post" | "query" | "fragment";
  /** Where the browser is sent: the form action or the redirect target without the delivered fields. */
  target: string;
  fields: Record<string, string>;
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_all, entity: string) => {
    const map: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
    return map[entity] ?? "";
  });
}

function fieldsOf(params: URLSearchParams): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in fields) throw new Error(`delivered field ${name} appears twice`);
    fields[name] = value;
  }
  return fields;
}

/**
 * What the relay hands the browser at the end of a flow (a callback or confirm-cancel response),
 * read the way the browser would carry it to return_to. Consumes the response body.
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
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(body);
  if (!form) throw new Error(`no form in the delivery page: ${body.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? "").matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    const name = unescapeHtml(input[1] ?? "");
    if (name in fields) throw new Error(`delivered field ${name} appears twice`);
    fields[name] = unescapeHtml(input[2] ?? "");
  }
  return { mode: "form_post", target: unescapeHtml(form[1] ?? ""), fields };
}

export interface OpenedResult {
  header: { alg: string; enc: string; typ?: string; kid?: string };
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

/** Opens a delivered result exactly as DESIGN.md asks the instance to; throws on any mismatch. */
export async function openResult(flow: StartedFlow, relayUrl: string, delivered: Delivered): Promise<OpenedResult> {
  const { result, state } = delivered.fields;
  if (result === undefined) throw new Error(`no result delivered: ${JSON.stringify(delivered.fields)}`);
  if (state !== flow.state) throw new Error("delivered state is not the flow's state");
  const { payload, protectedHeader } = await jwtDecrypt(result, flow.key.privateKey, {
    keyManagementAlgorithms: ["ECDH-ES"],
    contentEncryptionAlgorithms: ["A256GCM"],
    maxDecompressedLength: 0,
    typ: "oauth-relay-result+jwt",
    issuer: relayUrl,
    audience: flow.key.thumbprint,
    requiredClaims: ["iat", "exp", "jti", "state", "token"],
  });
  if (protectedHeader.kid !== flow.key.thumbprint) throw new Error("result kid is not the key thumbprint");
  if (payload.state !== flow.state) throw new Error("result state is not the flow's state");
  return { header: protectedHeader as OpenedResult["header"], claims: payload as unknown as OpenedResult["claims"] };
}

/** POST /v1/token/<app> as the instance does for a refresh. */
export function refresh(
  relayUrl: string,
  app: string,
  refreshToken: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${relayUrl}/v1/token/${app}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
  });
}
