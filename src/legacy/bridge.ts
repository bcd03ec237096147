/**
 * The Qorus cloud API bridge (LEGACY_QORUS=1): the two endpoints Qorus instances in the field
 * already call, so they can use this relay unchanged —
 *
 *   GET  /qorus-oauth2-redirect    the provider's redirect: exchange, then tokens to the instance
 *   POST /qorus-api/token          refresh through the relay
 *
 * — keeping every promise of the relay that the old protocol allows: the relay's own client secret
 * (an instance sends the literal `cloud`), endpoints and apps from configuration only (the state's
 * `token_uri` and `client_id` must match a configured app exactly), the return-URL rules for
 * `update_connection_uri` with the same confirmation after the provider for unlisted origins, one
 * exchange per state, the same records, privacy and abuse limits. What the old protocol itself
 * leaves open (tokens in a browser URL) is in docs/QORUS-MIGRATION.md.
 */
import type { Context, Hono } from "hono";
import type { AppConfig, Config } from "../config.js";
import { claimOnce, exchangeAuthorizationCode, noLongerAllowedPage } from "../flow/complete.js";
import { nothingSentPage, readConfirmationAnswer } from "../flow/confirmation-form.js";
import { nowSeconds, type RelayEnv } from "../flow/context.js";
import { answerTokenCall } from "../flow/refresh.js";
import { checkReturnTo } from "../flow/return-policy.js";
import { parseScope } from "../flow/scopes.js";
import { callTokenEndpoint } from "../flow/token-endpoint.js";
import type { Vars } from "../servers/profile.js";
import { effectiveVars, resolveVars, varsOfTokenEndpoint } from "../servers/variables.js";
import { apiError } from "../web/api-error.js";
import { hasMediaType } from "../web/media-type.js";
import { confirmPage, htmlPage, invalidRequestPage, messagePage } from "../web/pages.js";
import { allowOnly, limitBody } from "../web/route-guards.js";
import { openQorusPending, type QorusPending, sealQorusPending } from "./pending.js";
import { parseQorusState, type QorusState } from "./state.js";

export const REDIRECT_PATH = "/qorus-oauth2-redirect";
export const CONFIRM_PATH = "/qorus-oauth2-redirect/confirm";
export const TOKEN_PATH = "/qorus-api/token";

/** The one client secret an instance may send: the relay uses its own (a real one is never forwarded). */
const CLOUD_SECRET = "cloud";
/** The state carries no expiry; the one-use rule remembers it this long (the longest STATE_TTL). */
const STATE_MEMORY_SECONDS = 900;

/** The configured app an instance means by `oauth2_app`: its id, or its `qorus_app` name. */
function appNamed(config: Config, name: string): AppConfig | undefined {
  for (const app of config.apps.values()) if (app.id === name || app.qorusApp === name) return app;
  return undefined;
}

/**
 * The app and template variables the state's `oauth2_app`, `client_id`, `client_secret` and
 * `token_uri` name, all of which must match the configuration; or a sentence saying which does not.
 * `requested` are the variables the token URL chose (a Microsoft tenant, say), `vars` those in force.
 */
function resolveApp(
  config: Config,
  oauth2App: string,
  clientId: string,
  clientSecret: string,
  tokenUri: string,
): { app: AppConfig; requested: Vars; vars: Vars } | string {
  const app = appNamed(config, oauth2App);
  if (!app) return "its oauth2_app names no app of this relay";
  if (clientId !== app.clientId) return "its client_id is not this app's";
  if (clientSecret !== CLOUD_SECRET)
    return 'its client_secret must be "cloud": the relay uses its own secret and never forwards one it is sent';
  const inUrl = varsOfTokenEndpoint(app.server, tokenUri);
  if (inUrl === undefined) return "its token URL is not this app's token endpoint";
  // A variable only the operator sets (a GitLab host) must be the configured one; others are the
  // instance's to choose, as in a v1 flow.
  const configured = effectiveVars(app.server, app.vars, {});
  const requested: Record<string, string> = {};
  for (const [name, value] of Object.entries(inUrl)) {
    const operatorOnly = app.server.variables.some((variable) => variable.name === name && variable.operatorOnly);
    if (!operatorOnly) requested[name] = value;
    else if (configured[name] !== value) return "its token URL is not this app's token endpoint";
  }
  const vars = resolveVars(app.server, app.vars, requested);
  return typeof vars === "string" ? `its token URL does not suit this app (${vars})` : { app, requested, vars };
}

function refusedPage(c: Context, what: string): Promise<Response> {
  return htmlPage(
    c,
    messagePage(
      "This Qorus connection cannot be completed here",
      `The relay could not accept this sign-in: ${what}. Ask the relay's operator, or start the connection again from Qorus.`,
    ),
    400,
  );
}

/** Standard (not URL-safe) base64 of UTF-8 text, as the old protocol sends `redirect_uri` back. */
function base64Text(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The old protocol's delivery: `update_connection_uri` + `?`/`&` + `redirect_uri=<base64>`, every
 * field of the provider's token response, `conn` and `auth_context` — each value percent-encoded
 * (the original relay did not encode them). Objects and arrays in the token response are sent as
 * JSON text.
 */
export function qorusDeliveryUrl(
  pending: Pick<QorusPending, "updateConnectionUri" | "redirectUri" | "conn" | "authContext">,
  token: Record<string, unknown>,
): string {
  const pairs: Array<[string, string]> = [["redirect_uri", base64Text(pending.redirectUri)]];
  for (const [name, value] of Object.entries(token)) {
    if (value === null || value === undefined) continue;
    pairs.push([
      name,
      typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value),
    ]);
  }
  pairs.push(["conn", pending.conn], ["auth_context", pending.authContext]);
  const query = pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&");
  const separator = pending.updateConnectionUri.includes("?") ? "&" : "?";
  return `${pending.updateConnectionUri}${separator}${query}`;
}

/** Exchanges the code once and sends the tokens to the instance (303), or shows why not. */
async function exchangeAndDeliver(c: Context<RelayEnv>, pending: QorusPending): Promise<Response> {
  const deps = c.get("deps");
  const app = deps.config.apps.get(pending.app);
  if (!app) return invalidRequestPage(c);
  const vars = resolveVars(app.server, app.vars, pending.vars);
  if (typeof vars === "string") return invalidRequestPage(c);
  const outcome = await exchangeAuthorizationCode(deps, app, vars, {
    code: pending.code,
    redirectUri: `${deps.config.relayUrl}${REDIRECT_PATH}`,
    codeVerifier: pending.codeVerifier,
  });
  if (!outcome.ok) {
    // The old protocol has no error delivery: the user sees what happened here, the instance nothing.
    return htmlPage(
      c,
      messagePage("The sign-in did not complete", `${outcome.description} Start the connection again from Qorus.`),
      400,
    );
  }
  const delivery = qorusDeliveryUrl(pending, outcome.token);
  return c.redirect(delivery, 303);
}

function single(query: URLSearchParams, name: string): string | undefined | null {
  const values = query.getAll(name);
  return values.length > 1 ? null : values[0];
}

/** `GET /qorus-oauth2-redirect?code&state`: the provider → browser → relay leg of the old protocol. */
async function handleRedirect(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  const query = new URL(c.req.url).searchParams;
  const [rawState, code, error] = [single(query, "state"), single(query, "code"), single(query, "error")];
  if (rawState === null || code === null || error === null || rawState === undefined) return invalidRequestPage(c);
  if (error !== undefined) {
    return refusedPage(c, `the provider did not grant access (${/^[a-z_]{1,40}$/.test(error) ? error : "error"})`);
  }
  if (code === undefined || !/^[\x21-\x7E]{1,4096}$/.test(code)) return invalidRequestPage(c);
  const state: QorusState | string = parseQorusState(rawState);
  if (typeof state === "string") return refusedPage(c, state);
  const resolved = resolveApp(config, state.oauth2App, state.clientId, state.clientSecret, state.tokenUri);
  if (typeof resolved === "string") return refusedPage(c, `the state ${resolved}`);
  const decision = checkReturnTo(state.updateConnectionUri, config.returnPolicy, config.returnOrigins);
  if (decision.kind === "refused") return refusedPage(c, `its update_connection_uri ${decision.reason}`);
  const replayed = await claimOnce(c, deps, "qorus-state", rawState, nowSeconds(deps) + STATE_MEMORY_SECONDS);
  if (replayed) return replayed;

  const pending: QorusPending = {
    app: resolved.app.id,
    vars: resolved.requested,
    code,
    codeVerifier: state.codeVerifier,
    conn: state.conn,
    authContext: state.authContext,
    redirectUri: state.redirectUri,
    updateConnectionUri: state.updateConnectionUri,
  };
  if (decision.kind === "confirm") {
    // Neither loopback nor listed: as for v1 flows, the user decides here, after the provider.
    return htmlPage(
      c,
      confirmPage({
        appName: resolved.app.name,
        origin: new URL(state.updateConnectionUri).origin,
        action: `${config.relayUrl}${CONFIRM_PATH}`,
        pending: await sealQorusPending(pending, config.stateKeys, nowSeconds(deps)),
        providerError: false,
      }),
      200,
    );
  }
  return exchangeAndDeliver(c, pending);
}

/** `POST /qorus-oauth2-redirect/confirm`: the answer to the bridge's confirmation page. */
async function handleConfirm(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  const answer = await readConfirmationAnswer(c, config.relayUrl);
  if (answer instanceof Response) return answer;
  const opened = await openQorusPending(answer.pending, config.stateKeys, nowSeconds(deps));
  if (!opened) return invalidRequestPage(c);
  const replayed = await claimOnce(c, deps, "qorus-pending", answer.pending, opened.exp);
  if (replayed) return replayed;
  if (answer.decision === "cancel") return nothingSentPage(c, new URL(opened.pending.updateConnectionUri).origin);
  if (checkReturnTo(opened.pending.updateConnectionUri, config.returnPolicy, config.returnOrigins).kind === "refused")
    return noLongerAllowedPage(c);
  return exchangeAndDeliver(c, opened.pending);
}

/** Fields the old refresh request may carry; the two flags are accepted and ignored (the profile decides client authentication). */
const TOKEN_FIELDS = new Set([
  "grant_type",
  "refresh_token",
  "client_id",
  "client_secret",
  "oauth2_app",
  "oauth2_token_url",
  "scope",
  "oauth2_token_use_basic_auth",
  "oauth2_token_auth_secret_only",
]);

/** `POST /qorus-api/token`: refresh as older Qorus instances send it (RestClient `oauth2_alt_token_url`). */
async function handleToken(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  if (!hasMediaType(c, "application/x-www-form-urlencoded"))
    return apiError(
      c,
      415,
      "invalid_request",
      "send the refresh request form-encoded (application/x-www-form-urlencoded)",
    );
  const values = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(await c.req.text())) {
    if (!TOKEN_FIELDS.has(name)) return apiError(c, 400, "invalid_request", `unknown parameter: ${name.slice(0, 64)}`);
    if (values.has(name)) return apiError(c, 400, "invalid_request", `parameter "${name}" appears more than once`);
    values.set(name, value);
  }
  if (values.get("grant_type") !== "refresh_token")
    return apiError(c, 400, "unsupported_grant_type", "only grant_type=refresh_token is accepted here");
  const refreshToken = values.get("refresh_token");
  if (refreshToken === undefined || !/^[\x20-\x7E]{1,16384}$/.test(refreshToken))
    return apiError(c, 400, "invalid_request", "refresh_token: required, 1-16384 printable characters");
  const resolved = resolveApp(
    deps.config,
    values.get("oauth2_app") ?? "",
    values.get("client_id") ?? "",
    values.get("client_secret") ?? "",
    values.get("oauth2_token_url") ?? "",
  );
  if (typeof resolved === "string") return apiError(c, 400, "invalid_request", `the request ${resolved}`);
  const grant: Record<string, string> = { grant_type: "refresh_token", refresh_token: refreshToken };
  const scope = values.get("scope");
  if (scope !== undefined) {
    const scopes = parseScope(scope, resolved.app.scopes.allow);
    if (typeof scopes === "string") return apiError(c, 400, "invalid_scope", `scope: ${scopes}`);
    grant.scope = scopes.join(resolved.app.server.scopeSeparator);
  }
  return answerTokenCall(c, deps, resolved.app, await callTokenEndpoint(deps, resolved.app, resolved.vars, grant));
}

/**
 * Mounts the bridge's routes on the relay's app. createRelay does so only with LEGACY_QORUS=1 (Node:
 * in the same process; Workers: in the bridge's own entry, src/workers/qorus-bridge.ts).
 */
export function mountQorusBridge(app: Hono<RelayEnv>): void {
  allowOnly(app, REDIRECT_PATH, ["GET"]);
  app.get(REDIRECT_PATH, handleRedirect);
  allowOnly(app, CONFIRM_PATH, ["POST"]);
  app.post(CONFIRM_PATH, limitBody, handleConfirm);
  allowOnly(app, TOKEN_PATH, ["POST"]);
  app.post(TOKEN_PATH, limitBody, handleToken);
}
