/**
 * One table-driven OAuth2 authorization server for every catalogue entry (src/servers/catalogue.ts)
 * and its facts (catalogue-facts.ts). It honours each quirk exactly as the entry states it, and
 * checks what the relay sends exactly as the entry says the provider wants it:
 *  - authorize: the entry's endpoint with the expected variable values filled in (Apollo: the query
 *    after the `#`), response_type=code, client_id, the exact redirect_uri, state (within the
 *    entry's stateMax), PKCE S256, the entry's fixed parameters, the expected scopes joined with the
 *    entry's separator, no parameter the entry does not know; answers with a GET callback, or a
 *    POSTed form when the request says response_mode=form_post (Microsoft entries fix it), with
 *    RFC 9207 `iss` when the entry names an issuer (Google; Discord, which always sends it);
 *  - token: only the entry's token URL (variables filled, no query), form or JSON body as the entry
 *    says (the other content type is refused), client authentication as the entry says — `post`:
 *    id and secret in the body and no Authorization header; `basic`: no secret in the body, the
 *    header decoded with the entry's encoding (`raw`: taken literally, `form`: RFC 6749 §2.3.1
 *    form-decoding), so a secret with `+ / = : %` passes only with the right one — one-time codes
 *    bound to the PKCE challenge and redirect_uri, no unknown body fields;
 *  - token responses shaped by the entry: no token_type at all with `bearerIfMissing`; Slack's
 *    `ok` field with token_type "bot" and its errors as HTTP 200 `{ok:false,error}`; otherwise a
 *    Bearer token_type in a provider-specific case (Dropbox: lower case);
 *  - refresh by the facts: `rotating` issues a new refresh token and invalidates the old one,
 *    `reusable` / `optional-rotation` answer without refresh_token, `none` issues no refresh token
 *    and answers every refresh with 400 invalid_grant.
 */
import type { ProviderFacts } from "../../src/servers/catalogue-facts.js";
import type { CatalogueEntry } from "../../src/servers/entry.js";
import {
  type BrowserOutcome,
  type Handler,
  json,
  type RecordedRequest,
  randomToken,
  recordRequest,
  s256,
  text,
} from "./http.js";

/** Prefixes of everything the fakes issue, so privacy checks can look for them. */
export const ISSUED_PREFIX = { code: "FAKECODE_", access: "FAKEAT_", refresh: "FAKERT_" } as const;

export interface CatalogueFakeOptions {
  readonly entry: CatalogueEntry;
  readonly facts: ProviderFacts;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The relay's redirect URI for this app, matched exactly. */
  readonly redirectUri: string;
  /** The variable values the endpoints (and default scopes) must carry; the entry's defaults fill the rest. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Scopes the authorization request must ask for; the entry's default and required scopes by default. */
  readonly scopes?: readonly string[];
}

export interface BrowseOptions {
  /** The user refuses consent. */
  readonly deny?: boolean;
}

/** One token response the fake gave with a 2xx status, for comparison with what the relay forwarded. */
export interface IssuedToken {
  readonly grant: "authorization_code" | "refresh_token";
  readonly body: Readonly<Record<string, unknown>>;
}

interface IssuedCode {
  readonly challenge: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  used: boolean;
}

type Failure = "invalid_request" | "invalid_client" | "invalid_grant" | "invalid_scope" | "unsupported_grant_type";

/** Slack's own error codes for the OAuth failures (always HTTP 200 with `ok: false`). */
const SLACK_ERRORS: Record<Failure, string> = {
  invalid_request: "invalid_arguments",
  invalid_client: "bad_client_secret",
  invalid_grant: "invalid_code",
  invalid_scope: "invalid_scope",
  unsupported_grant_type: "invalid_grant_type",
};

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;
const NQCHAR_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const AUTHORIZATION_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
];

/** A Bearer token_type spelled the way this provider spells it (RFC 6749 §7.1: case-insensitive). */
function bearerSpelling(id: string): string {
  if (id === "dropbox") return "bearer";
  const spellings = ["Bearer", "bearer", "BEARER"];
  let sum = 0;
  for (const char of id) sum += char.charCodeAt(0);
  return spellings[sum % spellings.length] ?? "Bearer";
}

/** Provider-specific fields of a token response, so the test can see they are forwarded untouched. */
function extraFields(entry: CatalogueEntry, grant: IssuedToken["grant"]): Record<string, unknown> {
  switch (entry.id) {
    case "salesforce":
      return {
        instance_url: "https://acme.my.salesforce.com",
        id: "https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001SwiU",
        issued_at: "1700000000000",
        signature: "c2lnbmF0dXJl",
      };
    case "dropbox":
      return grant === "authorization_code" ? { uid: "123456789", account_id: "dbid:AADfake" } : {};
    case "slack":
      return { app_id: "A0FAKE", bot_user_id: "U0FAKE", team: { id: "T0FAKE", name: "Fake" }, enterprise: null };
    case "notion":
      return { bot_id: "b0b0-fake", workspace_id: "w0-fake", workspace_name: "Fake", owner: { type: "user" } };
    case "microsoft":
    case "dynamics":
    case "business-central":
      return { ext_expires_in: 3599 };
    default:
      return {};
  }
}

export class CatalogueFake {
  readonly entry: CatalogueEntry;
  readonly facts: ProviderFacts;
  /** The authorization endpoint with the expected variables filled in. */
  readonly authorizeUrl: string;
  /** The token endpoint with the expected variables filled in. */
  readonly tokenUrl: string;
  /** The scopes the authorization request must ask for. */
  readonly expectedScopes: readonly string[];
  /** Every request that reached this fake's token endpoint, in order. */
  readonly tokenRequests: RecordedRequest[] = [];
  /** Every token response given with a success status, in order. */
  readonly issued: IssuedToken[] = [];
  /** Every error answer given (status and body), in order. */
  readonly refusals: Array<{ readonly status: number; readonly body: Record<string, unknown> }> = [];
  private readonly codes = new Map<string, IssuedCode>();
  /** Refresh tokens that are valid now, with the scopes they carry. */
  private readonly refreshTokens = new Map<string, readonly string[]>();
  private readonly vars: Readonly<Record<string, string>>;

  constructor(readonly options: CatalogueFakeOptions) {
    const { entry } = options;
    this.entry = entry;
    this.facts = options.facts;
    const vars: Record<string, string> = {};
    for (const [name, variable] of Object.entries(entry.vars ?? {})) {
      if (variable.default !== undefined) vars[name] = variable.default;
    }
    this.vars = { ...vars, ...options.vars };
    this.authorizeUrl = this.fill(entry.authorize);
    this.tokenUrl = this.fill(entry.token);
    if (entry.iss && entry.issuer === undefined) throw new Error(`${entry.id}: always sends iss, but names no issuer`);
    const defaults = entry.scopes.default === "" ? [] : entry.scopes.default.split(" ").map((s) => this.fill(s));
    const required = entry.scopes.required ? entry.scopes.required.split(" ") : [];
    this.expectedScopes = options.scopes ?? [...defaults, ...required.filter((scope) => !defaults.includes(scope))];
  }

  private fill(template: string): string {
    return template.replace(PLACEHOLDER, (_whole, name: string) => {
      const value = this.vars[name];
      if (value === undefined) throw new Error(`${this.entry.id}: the fake was given no value for {${name}}`);
      return value;
    });
  }

  get separator(): " " | "," {
    return this.entry.scopes.separator ?? " ";
  }

  /** The token_type this provider sends (none with bearerIfMissing). */
  get tokenType(): string | undefined {
    if (this.entry.bearerIfMissing) return undefined;
    return this.entry.tokenTypes?.find((type) => type !== "bearer") ?? bearerSpelling(this.entry.id);
  }

  /** True when a request to `url` is meant for this fake's token endpoint (any query is judged there). */
  servesTokenUrl(url: string): boolean {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}` === this.tokenUrl;
  }

  /** Whether a refresh token is valid now (rotation invalidates the old one). */
  refreshTokenValid(token: string): boolean {
    return this.refreshTokens.has(token);
  }

  /** Issues a code directly, bound to a chosen challenge (for tests of the token endpoint alone). */
  issueCode(challenge: string, redirectUri = this.options.redirectUri): string {
    const code = randomToken(ISSUED_PREFIX.code, 24);
    this.codes.set(code, { challenge, redirectUri, scopes: this.expectedScopes, used: false });
    return code;
  }

  /** The authorization query, read where this provider reads it (Apollo: after the fragment). */
  private authorizationQuery(authorizationUrl: string): URLSearchParams | string {
    const hash = this.authorizeUrl.indexOf("#");
    if (hash >= 0) {
      const prefix = `${this.authorizeUrl}${this.authorizeUrl.slice(hash).includes("?") ? "&" : "?"}`;
      if (!authorizationUrl.startsWith(prefix)) return `not ${prefix}…: the app reads its parameters after the #`;
      return new URLSearchParams(authorizationUrl.slice(prefix.length));
    }
    if (!URL.canParse(authorizationUrl)) return "not a URL";
    const url = new URL(authorizationUrl);
    if (`${url.origin}${url.pathname}` !== this.authorizeUrl || url.hash !== "" || url.username || url.password) {
      return `not the authorization endpoint ${this.authorizeUrl}`;
    }
    return url.searchParams;
  }

  /** The authorize step as the provider's pages perform it after the user's decision. */
  async authorize(authorizationUrl: string, browse: BrowseOptions = {}): Promise<BrowserOutcome> {
    const page = (message: string): BrowserOutcome => ({ kind: "error_page", status: 400, message });
    const { entry } = this;
    const q = this.authorizationQuery(authorizationUrl);
    if (typeof q === "string") return page(q);
    const known = new Set([...AUTHORIZATION_PARAMS, ...Object.keys(entry.fixed ?? {}), ...(entry.params ?? [])]);
    for (const name of new Set(q.keys())) {
      if (q.getAll(name).length > 1) return page(`duplicate parameter ${name}`);
      if (!known.has(name)) return page(`unknown parameter ${name}`);
    }
    if (q.get("response_type") !== "code") return page('response_type must be "code"');
    if (q.get("client_id") !== this.options.clientId) return page("unknown client_id");
    const redirectUri = q.get("redirect_uri");
    if (redirectUri !== this.options.redirectUri) return page("redirect_uri does not match the registered one");
    const state = q.get("state");
    if (state === null || state === "") return page("state is required");
    if (entry.stateMax !== undefined && new TextEncoder().encode(state).length > entry.stateMax) {
      return page(`state must be at most ${entry.stateMax} bytes`);
    }
    if (q.get("code_challenge_method") !== "S256") return page("code_challenge_method must be S256");
    const challenge = q.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return page("code_challenge is malformed");
    for (const [name, value] of Object.entries(entry.fixed ?? {})) {
      if (q.get(name) !== value) return page(`${name} must be "${value}"`);
    }
    const scopes = this.readScopes(q.get("scope"));
    if (typeof scopes === "string") return page(scopes);

    const mode = q.get("response_mode") ?? "query";
    if (mode !== "query" && mode !== "form_post") return page(`response_mode ${mode} is not supported`);
    const fields = new URLSearchParams();
    if (browse.deny) {
      fields.set("error", "access_denied");
      fields.set("error_description", "The user denied the request.");
    } else {
      const code = randomToken(ISSUED_PREFIX.code, 24);
      this.codes.set(code, { challenge, redirectUri, scopes, used: false });
      fields.set("code", code);
    }
    fields.set("state", state);
    if (entry.issuer !== undefined) fields.set("iss", entry.issuer);
    if (mode === "form_post") {
      return { kind: "callback", request: { method: "POST", url: redirectUri, form: fields } };
    }
    const back = new URL(redirectUri);
    for (const [name, value] of fields) back.searchParams.append(name, value);
    return { kind: "callback", request: { method: "GET", url: back.href } };
  }

  /** The scope parameter split with this provider's separator and compared with the expected scopes. */
  private readScopes(raw: string | null): string[] | string {
    const expected = this.expectedScopes;
    if (raw === null) return expected.length === 0 ? [] : `scope is required (${expected.join(this.separator)})`;
    if (expected.length === 0) return "this app requests no scope";
    const tokens = raw.split(this.separator);
    const seen = new Set<string>();
    for (const token of tokens) {
      if (!NQCHAR_TOKEN.test(token)) return `scope "${raw}" is not a "${this.separator}"-separated list`;
      if (seen.has(token)) return `scope ${token} appears twice`;
      seen.add(token);
    }
    const missing = expected.filter((scope) => !seen.has(scope));
    const extra = tokens.filter((scope) => !expected.includes(scope));
    if (missing.length > 0 || extra.length > 0) {
      return `scope mismatch: missing [${missing.join(" ")}], unexpected [${extra.join(" ")}]`;
    }
    return tokens;
  }

  /** An error answer in this provider's shape (Slack: HTTP 200 with `ok: false`). */
  private fail(status: number, error: Failure, description: string, slackError?: string): Response {
    const body: Record<string, unknown> = this.entry.okField
      ? { ok: false, error: slackError ?? SLACK_ERRORS[error] }
      : { error, error_description: description };
    const answered = this.entry.okField ? 200 : status;
    this.refusals.push({ status: answered, body });
    return json(
      body,
      answered,
      error === "invalid_client" && !this.entry.okField ? { "www-authenticate": "Basic" } : {},
    );
  }

  /** The token endpoint. */
  readonly handle: Handler = async (request) => {
    const recorded = await recordRequest(request);
    this.tokenRequests.push(recorded);
    const url = new URL(recorded.url);
    if (`${url.origin}${url.pathname}` !== this.tokenUrl) return text("Not Found", 404);
    if (recorded.method !== "POST") return text("Method Not Allowed", 405);
    if (url.search !== "") return this.fail(400, "invalid_request", "the token endpoint takes no query parameters");

    const fields = this.readBody(recorded);
    if (typeof fields === "string") return this.fail(400, "invalid_request", fields, "invalid_form_data");
    const client = this.authenticate(recorded, fields);
    if (client !== null) return client;
    const grantType = fields.get("grant_type");
    if (grantType === "authorization_code") return this.exchange(fields);
    if (grantType === "refresh_token") return this.refresh(fields);
    return this.fail(400, "unsupported_grant_type", `grant_type ${grantType ?? "(none)"} is not supported`);
  };

  /** The body as the entry says it comes (form or JSON), each field once, all strings. */
  private readBody(recorded: RecordedRequest): Map<string, string> | string {
    const type = (recorded.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const wanted = this.entry.body === "json" ? "application/json" : "application/x-www-form-urlencoded";
    if (type !== wanted) return `Content-Type must be ${wanted}, not "${type}"`;
    const fields = new Map<string, string>();
    if (this.entry.body === "json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(recorded.body);
      } catch {
        return "the body is not JSON";
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "the body is not an object";
      for (const [name, value] of Object.entries(parsed)) {
        if (typeof value !== "string") return `${name} must be a string`;
        fields.set(name, value);
      }
      return fields;
    }
    for (const [name, value] of new URLSearchParams(recorded.body)) {
      if (fields.has(name)) return `${name} appears more than once`;
      fields.set(name, value);
    }
    return fields;
  }

  /** Client authentication exactly as the entry says; null when the client is authenticated. */
  private authenticate(recorded: RecordedRequest, fields: Map<string, string>): Response | null {
    const { clientId, clientSecret } = this.options;
    const authorization = recorded.headers.authorization;
    if (this.entry.auth?.method === "basic") {
      if (fields.has("client_secret")) {
        return this.fail(400, "invalid_request", "client_secret in the body: this server takes HTTP Basic only");
      }
      const credentials = authorization?.startsWith("Basic ")
        ? decodeBasic(authorization.slice(6), this.entry.auth.encoding ?? "form")
        : null;
      if (credentials === null) return this.fail(401, "invalid_client", "HTTP Basic client authentication required");
      if (credentials.id !== clientId || credentials.secret !== clientSecret) {
        return this.fail(401, "invalid_client", "client authentication failed");
      }
      const bodyId = fields.get("client_id");
      if (bodyId !== undefined && bodyId !== clientId) return this.fail(400, "invalid_request", "client_id differs");
      return null;
    }
    if (authorization !== undefined) {
      return this.fail(400, "invalid_request", "this server takes client_secret_post, not an Authorization header");
    }
    if (fields.get("client_id") !== clientId || fields.get("client_secret") !== clientSecret) {
      return this.fail(401, "invalid_client", "client authentication failed", "invalid_client_id");
    }
    return null;
  }

  /** Fields allowed besides the grant's own: the client's id and secret when they travel in the body. */
  private unknownField(fields: Map<string, string>, grantFields: readonly string[]): string | undefined {
    const allowed = new Set([
      ...grantFields,
      "client_id",
      ...(this.entry.auth?.method === "basic" ? [] : ["client_secret"]),
    ]);
    return [...fields.keys()].find((name) => !allowed.has(name));
  }

  private async exchange(fields: Map<string, string>): Promise<Response> {
    const unknown = this.unknownField(fields, ["grant_type", "code", "redirect_uri", "code_verifier"]);
    if (unknown !== undefined) return this.fail(400, "invalid_request", `unknown field ${unknown}`);
    const issued = this.codes.get(fields.get("code") ?? "");
    if (!issued || issued.used) return this.fail(400, "invalid_grant", "the code is invalid, expired or used");
    issued.used = true; // one attempt per code, successful or not
    if (fields.get("redirect_uri") !== issued.redirectUri) {
      return this.fail(400, "invalid_grant", "redirect_uri does not match the authorization request");
    }
    const verifier = fields.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || (await s256(verifier)) !== issued.challenge) {
      return this.fail(400, "invalid_grant", "PKCE verification failed");
    }
    const refreshToken = this.facts.refresh === "none" ? null : this.newRefreshToken(issued.scopes);
    return this.token("authorization_code", issued.scopes, refreshToken);
  }

  private refresh(fields: Map<string, string>): Response {
    const unknown = this.unknownField(fields, ["grant_type", "refresh_token", "scope"]);
    if (unknown !== undefined) return this.fail(400, "invalid_request", `unknown field ${unknown}`);
    const presented = fields.get("refresh_token") ?? "";
    const granted = this.facts.refresh === "none" ? undefined : this.refreshTokens.get(presented);
    if (granted === undefined) {
      return this.fail(
        400,
        "invalid_grant",
        "the refresh token is invalid, expired or revoked",
        "invalid_refresh_token",
      );
    }
    let scopes = granted;
    const requested = fields.get("scope");
    if (requested !== undefined) {
      scopes = requested.split(this.separator);
      if (scopes.some((scope) => !granted.includes(scope))) {
        return this.fail(400, "invalid_scope", "the scope exceeds the granted one");
      }
    }
    if (this.facts.refresh === "rotating") {
      this.refreshTokens.delete(presented);
      return this.token("refresh_token", scopes, this.newRefreshToken(granted));
    }
    // reusable, optional-rotation: the refresh token stays valid and is not repeated.
    return this.token("refresh_token", scopes, null);
  }

  private newRefreshToken(scopes: readonly string[]): string {
    const token = randomToken(ISSUED_PREFIX.refresh, 32);
    this.refreshTokens.set(token, scopes);
    return token;
  }

  private token(grant: IssuedToken["grant"], scopes: readonly string[], refreshToken: string | null): Response {
    const body: Record<string, unknown> = {};
    if (this.entry.okField) body.ok = true;
    body.access_token = randomToken(`${ISSUED_PREFIX.access}${this.entry.id}_`, 32);
    const type = this.tokenType;
    if (type !== undefined) body.token_type = type;
    if (this.entry.id !== "salesforce") body.expires_in = 3600;
    if (refreshToken !== null) body.refresh_token = refreshToken;
    if (scopes.length > 0) body.scope = scopes.join(this.separator);
    Object.assign(body, extraFields(this.entry, grant));
    this.issued.push({ grant, body });
    return json(body);
  }
}

/** HTTP Basic credentials decoded the way a server with this encoding decodes them; null if malformed. */
export function decodeBasic(credentials: string, encoding: "form" | "raw"): { id: string; secret: string } | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return null;
  const decoded = Buffer.from(credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (encoding === "raw") return { id, secret };
  try {
    const unform = (value: string) => decodeURIComponent(value.replace(/\+/g, " "));
    return { id: unform(id), secret: unform(secret) };
  } catch {
    return null;
  }
}

/** The client id a token request names (Basic user-id, or the body's client_id), to tell fakes sharing a URL apart. */
async function clientIdOf(request: Request): Promise<string | null> {
  const authorization = request.headers.get("authorization");
  if (authorization?.startsWith("Basic ")) return decodeBasic(authorization.slice(6), "raw")?.id ?? null;
  const body = await request.text();
  if ((request.headers.get("content-type") ?? "").startsWith("application/json")) {
    try {
      const parsed = JSON.parse(body) as { client_id?: unknown };
      return typeof parsed.client_id === "string" ? parsed.client_id : null;
    } catch {
      return null;
    }
  }
  return new URLSearchParams(body).get("client_id");
}

/**
 * Outbound routing to the fakes: a request goes to the fake whose token URL it names; where several
 * entries share one (Atlassian and Jira, the Microsoft entries with the same tenant), to the one
 * whose client it names. Every request is recorded, routed or not.
 */
export function catalogueRouter(fakes: Iterable<CatalogueFake>): { handler: Handler; requests: RecordedRequest[] } {
  const all = [...fakes];
  const requests: RecordedRequest[] = [];
  const handler: Handler = async (request) => {
    requests.push(await recordRequest(request.clone()));
    const candidates = all.filter((fake) => fake.servesTokenUrl(request.url));
    if (candidates.length === 0) return text("no fake serves this URL", 404);
    const named = candidates.length > 1 ? await clientIdOf(request.clone()) : null;
    const fake = candidates.find((candidate) => candidate.options.clientId === named) ?? candidates[0];
    return (fake as CatalogueFake).handle(request);
  };
  return { handler, requests };
}
