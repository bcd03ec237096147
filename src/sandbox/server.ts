import type { Context, Hono } from "hono";
import { base64url } from "jose";
import type { AppConfig, Config } from "../config.js";
import { callbackUrl } from "../flow/authorization-url.js";
import type { RelayDeps, RelayEnv } from "../flow/context.js";
import { apiError } from "../web/api-error.js";
import { hasMediaType } from "../web/media-type.js";
import { htmlPage } from "../web/pages.js";
import { consentPage, sandboxMessagePage } from "./page.js";
import { ExpiringStore } from "./store.js";

/**
 * The sandbox OAuth2 authorization server (SANDBOX=1), served by the relay itself under /sandbox:
 * a consent page with Approve and Deny, one-time codes bound to client, redirect URI and PKCE
 * challenge, client_secret_basic at the token endpoint, refresh-token rotation, and a token-info
 * endpoint. Its clients are the configured apps whose server is `sandbox`; the one redirect URI
 * each may use is its relay callback. Everything lives in memory, bounded and expiring; nothing is
 * logged. On Workers each isolate has its own memory, so it is for `wrangler dev`, not the edge.
 */
export const CODE_TTL_SECONDS = 60;
export const CONSENT_TTL_SECONDS = 600;
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 86_400;
export const SANDBOX_USER = "sandbox-user";
const MAX_ENTRIES = 10_000;

export interface SandboxOptions {
  /** Clock in milliseconds, for tests. */
  readonly now?: () => number;
  /** Size bound of each store (consent requests, codes, access tokens, refresh tokens). */
  readonly maxEntries?: number;
}

interface SandboxClient {
  readonly app: AppConfig;
  readonly redirectUri: string;
}

interface ConsentRequest {
  readonly client: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly scope: string;
  readonly challenge: string;
}

interface CodeGrant {
  readonly client: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly challenge: string;
  used: boolean;
  /** Tokens issued from this code: revoked if the code is ever presented again (RFC 6749 §4.1.2). */
  readonly issued: string[];
}

export interface TokenRecord {
  readonly kind: "access" | "refresh";
  readonly client: string;
  readonly scope: string;
  readonly iat: number;
  readonly exp: number;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const STATE_VALUE = /^[\x20-\x7E]{1,4096}$/;
const AUTHORIZE_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "login_hint",
];

function randomToken(prefix: string): string {
  return `${prefix}${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two secrets in time independent of where they differ (both hashed to 32 bytes first). */
async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header ?? "");
  if (!match?.[1]) return null;
  let decoded: string;
  try {
    const binary = atob(match[1]);
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    const unform = (value: string) => decodeURIComponent(value.replace(/\+/g, " "));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** Name/value pairs, or null when any name repeats (RFC 6749 §3.1, §3.2). */
function singleValued(pairs: Iterable<[string, string]>): Record<string, string> | null {
  const values: Record<string, string> = Object.create(null);
  for (const [name, value] of pairs) {
    if (name in values) return null;
    values[name] = value;
  }
  return values;
}

async function challengeOf(verifier: string): Promise<string> {
  return base64url.encode(await sha256(verifier));
}

function clientsOf(config: Config): Map<string, SandboxClient> {
  const clients = new Map<string, SandboxClient>();
  for (const app of config.apps.values()) {
    if (app.server.id !== "sandbox" || clients.has(app.clientId)) continue;
    clients.set(app.clientId, { app, redirectUri: callbackUrl(config.relayUrl, app.id) });
  }
  return clients;
}

function tokenError(c: Context, status: 400 | 401, error: string, description: string): Response {
  if (status === 401) c.header("WWW-Authenticate", 'Basic realm="sandbox"');
  return apiError(c, status, error, description);
}

/** Mounts the sandbox under /sandbox. Every route answers 404 unless the config has SANDBOX=1. */
export function mountSandbox(
  app: Hono<RelayEnv>,
  getDeps: (c: Context) => RelayDeps,
  options: SandboxOptions = {},
): void {
  const nowMs = options.now ?? (() => Date.now());
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const max = options.maxEntries ?? MAX_ENTRIES;
  const consents = new ExpiringStore<ConsentRequest>(max, nowMs);
  const codes = new ExpiringStore<CodeGrant>(max, nowMs);
  const tokens = new ExpiringStore<TokenRecord>(max, nowMs);

  const issuerOf = (config: Config) => `${config.relayUrl}/sandbox`;

  function redirectWith(c: Context, redirectUri: string, config: Config, params: Record<string, string | undefined>) {
    const url = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
    url.searchParams.set("iss", issuerOf(config));
    return c.redirect(url.href, 303);
  }

  function badRequestPage(c: Context, message: string) {
    return htmlPage(c, sandboxMessagePage("Sandbox: invalid request", message), 400);
  }

  function issue(client: string, scope: string): { access: string; refresh: string; body: Record<string, unknown> } {
    const iat = nowSeconds();
    const access = randomToken("sbx_at_");
    const refresh = randomToken("sbx_rt_");
    tokens.set(
      access,
      { kind: "access", client, scope, iat, exp: iat + ACCESS_TOKEN_TTL_SECONDS },
      ACCESS_TOKEN_TTL_SECONDS * 1000,
    );
    tokens.set(
      refresh,
      { kind: "refresh", client, scope, iat, exp: iat + REFRESH_TOKEN_TTL_SECONDS },
      REFRESH_TOKEN_TTL_SECONDS * 1000,
    );
    const body: Record<string, unknown> = {
      access_token: access,
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refresh,
    };
    if (scope !== "") body.scope = scope;
    return { access, refresh, body };
  }

  app.use("/sandbox/*", async (c, next) => {
    if (!getDeps(c).config.sandbox) return apiError(c, 404, "not_found", "no such endpoint; see /v1/apps");
    await next();
  });

  app.get("/sandbox/authorize", (c) => {
    const { config } = getDeps(c);
    const query = singleValued(new URL(c.req.url).searchParams);
    if (query === null) return badRequestPage(c, "A parameter appears more than once.");
    const client = clientsOf(config).get(query.client_id ?? "");
    // Without a known client and its exact redirect URI nothing may be redirected (RFC 6749 §4.1.2.1).
    if (!client) return badRequestPage(c, "Unknown client_id.");
    if (query.redirect_uri !== client.redirectUri)
      return badRequestPage(c, "redirect_uri is not the one registered for this client.");
    const redirectUri = client.redirectUri;
    const state = query.state;
    if (state !== undefined && !STATE_VALUE.test(state)) return badRequestPage(c, "state is malformed.");
    const fail = (error: string, description: string) =>
      redirectWith(c, redirectUri, config, { error, error_description: description, state });
    if (query.response_type !== "code")
      return fail("unsupported_response_type", "only response_type=code is supported");
    if (query.code_challenge_method !== "S256" || !CHALLENGE.test(query.code_challenge ?? ""))
      return fail("invalid_request", "PKCE is required: code_challenge (S256) and code_challenge_method=S256");
    const scopes = (query.scope ?? "").split(" ").filter((scope) => scope !== "");
    if (scopes.length > 50 || !scopes.every((scope) => SCOPE_TOKEN.test(scope)))
      return fail("invalid_scope", "scope is malformed");
    const unknown = Object.keys(query).find((name) => !AUTHORIZE_PARAMS.includes(name));
    if (unknown !== undefined) return fail("invalid_request", "unknown parameter");

    const requestId = randomToken("");
    consents.set(
      requestId,
      {
        client: client.app.clientId,
        redirectUri,
        state,
        scope: scopes.join(" "),
        challenge: query.code_challenge ?? "",
      },
      CONSENT_TTL_SECONDS * 1000,
    );
    const hint = query.login_hint;
    return htmlPage(
      c,
      consentPage({
        action: `${config.relayUrl}/sandbox/authorize`,
        requestId,
        appName: client.app.name,
        clientId: client.app.clientId,
        scopes,
        user: hint !== undefined && hint.length <= 256 ? hint : SANDBOX_USER,
      }),
      200,
    );
  });

  app.post("/sandbox/authorize", async (c) => {
    const { config } = getDeps(c);
    if (!hasMediaType(c, "application/x-www-form-urlencoded")) return badRequestPage(c, "Submit the consent form.");
    const form = singleValued(new URLSearchParams(await c.req.text()));
    const request = form?.request === undefined ? undefined : consents.take(form.request);
    if (!form || !request) return badRequestPage(c, "This consent request has expired or was already answered.");
    if (form.decision === "deny") {
      return redirectWith(c, request.redirectUri, config, {
        error: "access_denied",
        error_description: "The sandbox user denied the request.",
        state: request.state,
      });
    }
    if (form.decision !== "approve") return badRequestPage(c, "Choose Approve or Deny.");
    const code = randomToken("sbx_ac_");
    codes.set(
      code,
      {
        client: request.client,
        redirectUri: request.redirectUri,
        scope: request.scope,
        challenge: request.challenge,
        used: false,
        issued: [],
      },
      CODE_TTL_SECONDS * 1000,
    );
    return redirectWith(c, request.redirectUri, config, { code, state: request.state });
  });

  app.post("/sandbox/token", async (c) => {
    const { config } = getDeps(c);
    if (!hasMediaType(c, "application/x-www-form-urlencoded"))
      return tokenError(c, 400, "invalid_request", "send the token request form-encoded");
    const form = singleValued(new URLSearchParams(await c.req.text()));
    if (form === null) return tokenError(c, 400, "invalid_request", "a parameter appears more than once");

    const credentials = parseBasic(c.req.header("authorization"));
    if (credentials === null)
      return tokenError(c, 401, "invalid_client", "client authentication required (client_secret_basic)");
    if (form.client_secret !== undefined)
      return tokenError(c, 400, "invalid_request", "send the client secret only in the Authorization header");
    const client = clientsOf(config).get(credentials.id);
    const secretOk = await secretsEqual(credentials.secret, client?.app.clientSecret ?? "\u0000no client");
    if (!client || !secretOk) return tokenError(c, 401, "invalid_client", "client authentication failed");
    const clientId = client.app.clientId;
    if (form.client_id !== undefined && form.client_id !== clientId)
      return tokenError(c, 400, "invalid_request", "client_id does not match the authenticated client");

    if (form.grant_type === "authorization_code") {
      const grant = codes.get(form.code ?? "");
      if (!grant || grant.client !== clientId) return tokenError(c, 400, "invalid_grant", "unknown or expired code");
      if (grant.used) {
        for (const token of grant.issued) tokens.delete(token);
        codes.delete(form.code ?? "");
        return tokenError(c, 400, "invalid_grant", "code already used; tokens issued from it are revoked");
      }
      grant.used = true;
      if (form.redirect_uri !== grant.redirectUri)
        return tokenError(c, 400, "invalid_grant", "redirect_uri does not match the authorization request");
      const verifier = form.code_verifier ?? "";
      if (!VERIFIER.test(verifier) || (await challengeOf(verifier)) !== grant.challenge)
        return tokenError(c, 400, "invalid_grant", "PKCE verification failed (code_verifier)");
      const issued = issue(clientId, grant.scope);
      grant.issued.push(issued.access, issued.refresh);
      return c.json(issued.body);
    }

    if (form.grant_type === "refresh_token") {
      const presented = form.refresh_token ?? "";
      const record = tokens.get(presented);
      if (record?.kind !== "refresh" || record.client !== clientId)
        return tokenError(c, 400, "invalid_grant", "unknown, expired or revoked refresh token");
      let scope = record.scope;
      if (form.scope !== undefined) {
        const granted = new Set(record.scope.split(" "));
        const asked = form.scope.split(" ").filter((part) => part !== "");
        if (!asked.every((part) => granted.has(part)))
          return tokenError(c, 400, "invalid_scope", "scope exceeds the scope originally granted");
        scope = asked.join(" ");
      }
      // Rotation: the presented refresh token is spent (RFC 9700 §4.14.2).
      tokens.delete(presented);
      return c.json(issue(clientId, scope).body);
    }

    return tokenError(c, 400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
  });

  /** Token inspection for tests and curious humans: `Authorization: Bearer <access token>`. */
  app.get("/sandbox/tokeninfo", (c) => {
    const match = /^Bearer ([\x21-\x7E]+)$/.exec(c.req.header("authorization") ?? "");
    const record = match?.[1] === undefined ? undefined : tokens.get(match[1]);
    if (record?.kind !== "access") {
      c.header("WWW-Authenticate", 'Bearer realm="sandbox", error="invalid_token"');
      return c.json(
        { active: false, error: "invalid_token", error_description: "unknown or expired access token" },
        401,
      );
    }
    return c.json({
      active: true,
      iss: issuerOf(getDeps(c).config),
      client_id: record.client,
      sub: SANDBOX_USER,
      scope: record.scope,
      token_type: "Bearer",
      iat: record.iat,
      exp: record.exp,
    });
  });
}

/**
 * A fetch for the relay's upstream calls that answers `${relayUrl}/sandbox/...` in process (no
 * network round trip to itself, which Workers cannot make) and passes everything else on.
 */
export function sandboxAwareFetch(
  relayUrl: string,
  appFetch: (request: Request) => Response | Promise<Response>,
  fallback: typeof fetch = fetch,
): typeof fetch {
  const prefix = `${relayUrl}/sandbox/`;
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(prefix)) return fallback(input, init);
    const inner = new Request(new URL(`/sandbox/${url.slice(prefix.length)}`, "http://sandbox.internal"), {
      ...init,
      signal: init?.signal ?? null,
    });
    return appFetch(inner);
  }) as typeof fetch;
}
