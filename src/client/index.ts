/**
 * Reference instance client for qorus-oauth-relay (protocol v1, docs/PROTOCOL.md): what a Qorus
 * instance does, in runtime-neutral TypeScript (fetch, WebCrypto, jose). Start a flow with an
 * ephemeral key pair and a fresh state nonce, then open the delivered result with every check an
 * instance must make, or refresh a token through the relay.
 *
 *   const { authorizationUrl, pending } = await startFlow({ relay, app: "dropbox", returnTo });
 *   // send the browser to authorizationUrl; the relay delivers result + state to returnTo
 *   const token = await openDelivery(deliveredParams, pending);
 */
import { base64url, calculateJwkThumbprint, exportJWK, type JWK, jwtDecrypt } from "jose";

export const RESULT_TYP = "oauth-relay-result+jwt";
export type Curve = "X25519" | "P-256";
/**
 * The instance key: an ECDH key pair (X25519, P-256: results are ECDH-ES, the recommendation), or a
 * 32-byte `oct` key (results are `dir`: for platforms with AES-GCM but no ECDH; docs/PROTOCOL.md).
 */
export type KeyType = Curve | "oct";
export type ResponseMode = "form_post" | "query" | "fragment";
export type TokenResponse = Record<string, unknown> & { access_token: string; token_type: string };

/** Errors the client raises; `code` is an OAuth-style code (from the relay, or the client's own check). */
export class RelayClientError extends Error {
  override name = "RelayClientError";
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status for errors answered by the relay's API, else undefined. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** An OAuth error delivered to the return URL (`error`, `error_description`, `state`). */
export class DeliveredError extends RelayClientError {
  override name = "DeliveredError";
  constructor(
    code: string,
    readonly description: string,
  ) {
    super(code, description === "" ? code : `${code}: ${description}`);
  }
}

export interface InstanceKey {
  readonly type: KeyType;
  /** What decrypts results: the ECDH private key, or the 32 `oct` key bytes. */
  readonly privateKey: CryptoKey | Uint8Array;
  /** The JWK sent to the relay as `key`: the public key, or the `oct` key with `"alg":"dir"`. */
  readonly publicJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of that key (required members only): the result's `kid` and `aud`. */
  readonly thumbprint: string;
}

/** A started flow, kept by the instance until its result (or error) arrives — then forgotten. */
export interface PendingFlow {
  readonly relay: string;
  readonly app: string;
  readonly state: string;
  readonly key: InstanceKey;
  /** Unix seconds after which the relay will no longer accept the callback. */
  readonly expiresAt: number;
  /** The relay's `issuer` from the flow reply: the result's `iss` must equal it. */
  readonly issuer: string;
}

function publicMembers(jwk: JWK): JWK {
  return jwk.kty === "OKP" ? { kty: "OKP", crv: jwk.crv, x: jwk.x } : { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/** Wraps an existing private key (e.g. a fixed test key) as an InstanceKey. */
export async function instanceKeyFromPrivateJwk(jwk: JWK): Promise<InstanceKey> {
  const curve: Curve = jwk.crv === "X25519" ? "X25519" : "P-256";
  if (!((jwk.kty === "OKP" && jwk.crv === "X25519") || (jwk.kty === "EC" && jwk.crv === "P-256")) || !jwk.d)
    throw new RelayClientError("invalid_key", "need an X25519 or P-256 private JWK");
  const algorithm = curve === "X25519" ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" };
  const privateKey = await crypto.subtle.importKey("jwk", jwk as JsonWebKey, algorithm, false, ["deriveBits"]);
  const publicJwk = publicMembers(jwk);
  return { type: curve, privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk, "sha256") };
}

/** Wraps 32 given key bytes as an `oct` InstanceKey (tests, vectors). */
export async function octInstanceKey(bytes: Uint8Array): Promise<InstanceKey> {
  if (bytes.length !== 32) throw new RelayClientError("invalid_key", "an oct key is exactly 32 bytes");
  const k = base64url.encode(bytes);
  return {
    type: "oct",
    privateKey: bytes,
    publicJwk: { kty: "oct", k, alg: "dir" },
    thumbprint: await calculateJwkThumbprint({ kty: "oct", k }, "sha256"),
  };
}

/** A fresh key, one per flow: an ECDH pair (private key not extractable) or 32 random `oct` bytes. */
export async function generateInstanceKey(type: KeyType = "X25519"): Promise<InstanceKey> {
  if (type === "oct") return octInstanceKey(crypto.getRandomValues(new Uint8Array(32)));
  const curve = type;
  const algorithm = curve === "X25519" ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(algorithm, false, ["deriveBits"])) as CryptoKeyPair;
  const publicJwk = publicMembers(await exportJWK(pair.publicKey));
  return {
    type: curve,
    privateKey: pair.privateKey,
    publicJwk,
    thumbprint: await calculateJwkThumbprint(publicJwk, "sha256"),
  };
}

/** A state nonce: 32 random bytes as base64url (43 characters; the relay takes 22..128). */
export function newState(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}

function trimRelay(relay: string): string {
  return relay.replace(/\/+$/, "");
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new RelayClientError(
    "server_error",
    `the relay answered ${response.status} without a JSON object`,
    response.status,
  );
}

function apiFailure(status: number, body: Record<string, unknown>): RelayClientError {
  const code = typeof body.error === "string" ? body.error : "server_error";
  const description = typeof body.error_description === "string" ? body.error_description : `HTTP ${status}`;
  return new RelayClientError(code, `${code}: ${description}`, status);
}

export interface StartFlowOptions {
  readonly relay: string;
  readonly app: string;
  /** The instance's return endpoint (absolute URL, its own WHATWG serialization, no fragment). */
  readonly returnTo: string;
  readonly scope?: string;
  /** Template variables of the app's server (`GET /v1/apps` lists them), e.g. `{ account_id: "1234567" }`. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Same as `vars.tenant` (Microsoft). */
  readonly tenant?: string;
  readonly responseMode?: ResponseMode;
  readonly params?: Readonly<Record<string, string>>;
  /** The kind of fresh key to make (default X25519). */
  readonly keyType?: KeyType;
  /** Same as keyType, for an ECDH curve. */
  readonly curve?: Curve;
  /** Use this key instead of a fresh one (tests, vectors). */
  readonly key?: InstanceKey;
  readonly fetch?: typeof fetch;
}

export interface StartedFlow {
  readonly authorizationUrl: string;
  readonly expiresAt: number;
  readonly pending: PendingFlow;
}

/** `POST /v1/flows`: returns where to send the browser, and what to keep until the result arrives. */
export async function startFlow(options: StartFlowOptions): Promise<StartedFlow> {
  const relay = trimRelay(options.relay);
  const key = options.key ?? (await generateInstanceKey(options.keyType ?? options.curve));
  const state = newState();
  const body: Record<string, unknown> = { app: options.app, return_to: options.returnTo, state, key: key.publicJwk };
  if (options.scope !== undefined) body.scope = options.scope;
  if (options.vars !== undefined) body.vars = options.vars;
  if (options.tenant !== undefined) body.tenant = options.tenant;
  if (options.responseMode !== undefined) body.response_mode = options.responseMode;
  if (options.params !== undefined) body.params = options.params;
  const response = await (options.fetch ?? fetch)(`${relay}/v1/flows`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
    redirect: "manual",
  });
  const json = await readJson(response);
  if (response.status !== 201) throw apiFailure(response.status, json);
  const { authorization_url: authorizationUrl, expires_at: expiresAt, issuer } = json;
  if (typeof authorizationUrl !== "string" || typeof expiresAt !== "number" || typeof issuer !== "string")
    throw new RelayClientError(
      "server_error",
      "the relay's flow response lacks authorization_url, expires_at or issuer (is it a protocol v1 relay?)",
    );
  return { authorizationUrl, expiresAt, pending: { relay, app: options.app, state, key, expiresAt, issuer } };
}

/**
 * The instance's pending flows, by state. `take` removes: a state is good for one delivery only,
 * whatever that delivery turns out to be. Expired flows are dropped.
 */
export class PendingFlows {
  private readonly flows = new Map<string, PendingFlow>();

  add(flow: PendingFlow): void {
    this.flows.set(flow.state, flow);
  }

  take(state: string, nowSeconds = Math.floor(Date.now() / 1000)): PendingFlow | undefined {
    for (const [key, flow] of this.flows) if (flow.expiresAt + 300 < nowSeconds) this.flows.delete(key);
    const flow = this.flows.get(state);
    this.flows.delete(state);
    return flow;
  }

  get size(): number {
    return this.flows.size;
  }
}

/** Single pending flows already used once (when a caller passes a PendingFlow, not PendingFlows). */
const spent = new WeakSet<PendingFlow>();

function takePending(pending: PendingFlow | PendingFlows, state: string, nowSeconds: number): PendingFlow {
  let flow: PendingFlow | undefined;
  if (pending instanceof PendingFlows) {
    flow = pending.take(state, nowSeconds);
  } else if (pending.state === state && !spent.has(pending)) {
    spent.add(pending);
    flow = pending;
  }
  if (!flow)
    throw new RelayClientError("invalid_state", "state is not a pending flow of this instance (or was already used)");
  return flow;
}

export interface OpenOptions {
  /** Clock for `exp` (tests and vectors); default: now. */
  readonly currentDate?: Date;
  /** Seconds of clock skew tolerated on `exp`/`iat`; default 30. */
  readonly clockTolerance?: number;
}

/** The decrypted, verified result (claims) — `token` is the provider's token response. */
export interface ResultClaims {
  readonly iss: string;
  readonly aud: string;
  readonly state: string;
  readonly app: string;
  readonly server: string;
  readonly tenant: string | null;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly token: TokenResponse;
}

/**
 * Decrypts and verifies a result for a known flow: alg ECDH-ES (or `dir` for an `oct` key) and enc
 * A256GCM only, no compression, `typ`, `kid` and `aud` = own key thumbprint, `iss` = the `issuer`
 * of the flow reply (not the URL used to reach the relay: behind a proxy or another host name the
 * two differ), `state` = the flow's state, `exp` not passed. Does not consume anything;
 * `openResult` is the full check.
 */
export async function decryptResult(
  result: string,
  flow: PendingFlow,
  options: OpenOptions = {},
): Promise<ResultClaims> {
  if (result.length > 64 * 1024 || result.split(".").length !== 5)
    throw new RelayClientError("invalid_result", "result is not a compact JWE");
  let decrypted: Awaited<ReturnType<typeof jwtDecrypt>>;
  try {
    decrypted = await jwtDecrypt(result, flow.key.privateKey, {
      keyManagementAlgorithms: [flow.key.type === "oct" ? "dir" : "ECDH-ES"],
      contentEncryptionAlgorithms: ["A256GCM"],
      maxDecompressedLength: 0,
      typ: RESULT_TYP,
      issuer: flow.issuer,
      audience: flow.key.thumbprint,
      requiredClaims: ["iat", "exp", "jti", "state"],
      currentDate: options.currentDate,
      clockTolerance: options.clockTolerance ?? 30,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : "decryption failed";
    throw new RelayClientError("invalid_result", `result rejected: ${reason}`);
  }
  const { payload, protectedHeader } = decrypted;
  if (protectedHeader.zip !== undefined) throw new RelayClientError("invalid_result", "result is compressed");
  if (protectedHeader.kid !== flow.key.thumbprint)
    throw new RelayClientError("invalid_result", "result kid is not this instance key's thumbprint");
  if (payload.state !== flow.state)
    throw new RelayClientError("invalid_result", "result state does not match the flow");
  const token = payload.token as Record<string, unknown> | undefined;
  if (typeof token !== "object" || token === null || typeof token.access_token !== "string")
    throw new RelayClientError("invalid_result", "result carries no token response");
  return payload as unknown as ResultClaims;
}

/**
 * The full instance-side check of a delivered `result` + `state`: the state must be a pending flow
 * (used once: it is forgotten now, whatever follows), then `decryptResult`. Returns the provider's
 * token response.
 */
export async function openResult(
  result: string,
  state: string,
  pending: PendingFlow | PendingFlows,
  options: OpenOptions = {},
): Promise<TokenResponse> {
  const now = Math.floor((options.currentDate?.getTime() ?? Date.now()) / 1000);
  const flow = takePending(pending, state, now);
  return (await decryptResult(result, flow, options)).token;
}

/** What arrives at the return URL, in any response mode (query, form body, or fragment). */
export type Delivery =
  | { readonly kind: "result"; readonly result: string; readonly state: string }
  | { readonly kind: "error"; readonly error: string; readonly errorDescription: string; readonly state: string };

/** Reads delivered parameters; null when they are not a delivery (missing or repeated members). */
export function readDelivery(params: URLSearchParams): Delivery | null {
  const one = (name: string): string | undefined | null => {
    const all = params.getAll(name);
    return all.length > 1 ? null : all[0];
  };
  const state = one("state");
  const result = one("result");
  const error = one("error");
  const description = one("error_description");
  if (typeof state !== "string" || result === null || error === null || description === null) return null;
  if (result !== undefined && error === undefined) return { kind: "result", result, state };
  if (error !== undefined && result === undefined)
    return { kind: "error", error, errorDescription: (description ?? "").slice(0, 500), state };
  return null;
}

/**
 * Handles a delivery end to end: a result is opened (all checks); an error is accepted only for a
 * pending state (then forgotten) and thrown as DeliveredError.
 */
export async function openDelivery(
  params: URLSearchParams,
  pending: PendingFlow | PendingFlows,
  options: OpenOptions = {},
): Promise<TokenResponse> {
  const delivery = readDelivery(params);
  if (!delivery)
    throw new RelayClientError("invalid_request", "not a relay delivery (need result or error, and state)");
  if (delivery.kind === "result") return openResult(delivery.result, delivery.state, pending, options);
  const now = Math.floor((options.currentDate?.getTime() ?? Date.now()) / 1000);
  takePending(pending, delivery.state, now);
  throw new DeliveredError(delivery.error, delivery.errorDescription);
}

export interface RefreshOptions {
  readonly relay: string;
  readonly app: string;
  readonly refreshToken: string;
  readonly scope?: string;
  /** The template variables the flow used (sent as form fields named after them). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Same as `vars.tenant`. */
  readonly tenant?: string;
  readonly fetch?: typeof fetch;
}

/** `POST /v1/token/<app>`: refresh through the relay (it adds the client credentials). */
export async function refresh(options: RefreshOptions): Promise<TokenResponse> {
  const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: options.refreshToken });
  if (options.scope !== undefined) form.set("scope", options.scope);
  for (const [name, value] of Object.entries(options.vars ?? {})) form.set(name, value);
  if (options.tenant !== undefined) form.set("tenant", options.tenant);
  const response = await (options.fetch ?? fetch)(
    `${trimRelay(options.relay)}/v1/token/${encodeURIComponent(options.app)}`,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
      redirect: "manual",
    },
  );
  const json = await readJson(response);
  if (response.status !== 200) throw apiFailure(response.status, json);
  if (typeof json.access_token !== "string")
    throw new RelayClientError("server_error", "the token response has no access_token");
  return json as TokenResponse;
}

export interface RelayApp {
  readonly id: string;
  readonly name: string;
  readonly server: string;
  readonly client_id: string;
  readonly redirect_uri: string;
  readonly scopes: { readonly default: readonly string[]; readonly allow: readonly string[] };
  /** Template variables an instance may set per flow (and must send again on refresh). */
  readonly vars: Readonly<
    Record<string, { readonly required: boolean; readonly default: string | null; readonly example: string }>
  >;
  readonly tenant: { readonly required: boolean; readonly default: string | null };
  readonly params: readonly string[];
}

/** `GET /v1/apps`. */
export async function listApps(options: { relay: string; fetch?: typeof fetch }): Promise<RelayApp[]> {
  const response = await (options.fetch ?? fetch)(`${trimRelay(options.relay)}/v1/apps`, {
    headers: { accept: "application/json" },
    redirect: "manual",
  });
  const json = await readJson(response);
  if (response.status !== 200) throw apiFailure(response.status, json);
  if (!Array.isArray(json.apps)) throw new RelayClientError("server_error", "the relay's app list is malformed");
  return json.apps as RelayApp[];
}
