/**
 * A Dropbox-shaped OAuth2 server (www.dropbox.com/oauth2/authorize + api.dropboxapi.com/oauth2/token)
 * following the documented behaviour the relay has to cope with:
 *  - authorize: exact redirect_uri, `state` ≤ 500 bytes, PKCE S256, token_access_type=offline
 *    (the relay always asks for a refresh token); one-time codes bound to the code_challenge;
 *  - token: client_id/client_secret in the body (Basic also accepted, as Dropbox does), code_verifier
 *    checked, redirect_uri equality, one-time codes
 *    (`{"error":"invalid_grant","error_description":"code doesn't exist or has expired"}`),
 *    `token_type:"bearer"` lower-case with account_id/uid; malformed requests answered text/plain 400;
 *  - refresh: only access_token + expires_in (no rotation).
 */
import {
  type BrowserOutcome,
  clientCredentials,
  type Handler,
  json,
  type Listening,
  listen,
  type RecordedRequest,
  randomToken,
  recordRequest,
  s256,
  text,
} from "./http.js";

export const DROPBOX_WWW = "https://www.dropbox.com";
export const DROPBOX_API = "https://api.dropboxapi.com";
export const DROPBOX_STATE_MAX = 500;

export interface DropboxFakeOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registered redirect URIs, matched exactly. */
  readonly redirectUris: readonly string[];
}

interface IssuedCode {
  readonly challenge: string;
  readonly redirectUri: string;
  readonly scope: string;
  used: boolean;
}

export interface BrowseOptions {
  /** The user clicks "Cancel" on the consent screen. */
  readonly deny?: boolean;
  /** The "browser" adds these to the callback (e.g. a code next to an error, or a duplicate). */
  readonly extraCallbackParams?: ReadonlyArray<readonly [string, string]>;
}

export class DropboxFake {
  /** Every request that reached the token endpoint, in order. */
  readonly tokenRequests: RecordedRequest[] = [];
  /** Responses to serve instead of the real logic, one per token request (failure injection). */
  readonly injected: Array<() => Response | Promise<Response>> = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, string>();
  readonly accountId = "dbid:AADfakeAccount000000000000000000000000";
  readonly uid = "123456789";

  constructor(readonly options: DropboxFakeOptions) {}

  /** The authorize step as the Dropbox web UI performs it after the user's decision. */
  async authorize(authorizationUrl: string, browse: BrowseOptions = {}): Promise<BrowserOutcome> {
    const url = new URL(authorizationUrl);
    const q = url.searchParams;
    const page = (message: string): BrowserOutcome => ({ kind: "error_page", status: 400, message });
    if (url.origin !== DROPBOX_WWW || url.pathname !== "/oauth2/authorize") return page("not the authorize endpoint");
    for (const name of new Set(q.keys())) if (q.getAll(name).length > 1) return page(`duplicate parameter ${name}`);
    if (q.get("client_id") !== this.options.clientId) return page("Invalid client_id");
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.options.redirectUris.includes(redirectUri)) return page("Invalid redirect_uri");
    if (q.get("response_type") !== "code") return page('"response_type" must be "code"');
    if (q.get("token_access_type") !== "offline") return page('"token_access_type" must be "offline"');
    const state = q.get("state");
    if (state !== null && new TextEncoder().encode(state).length > DROPBOX_STATE_MAX)
      return page(`"state" must be at most ${DROPBOX_STATE_MAX} bytes`);
    if (q.get("code_challenge_method") !== "S256") return page('"code_challenge_method" must be "S256"');
    const challenge = q.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return page('"code_challenge" is malformed');

    const back = new URL(redirectUri);
    if (browse.deny) {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set(
        "error_description",
        "The user chose not to give your app access to their Dropbox account.",
      );
    } else {
      const code = randomToken("dbxcode_", 24);
      this.codes.set(code, { challenge, redirectUri, scope: q.get("scope") ?? "", used: false });
      back.searchParams.set("code", code);
    }
    if (state !== null) back.searchParams.set("state", state);
    for (const [name, value] of browse.extraCallbackParams ?? []) back.searchParams.append(name, value);
    return { kind: "callback", request: { method: "GET", url: back.href } };
  }

  /** Issues a code directly (for tests that need a code bound to a chosen challenge). */
  issueCode(challenge: string, redirectUri: string, scope = ""): string {
    const code = randomToken("dbxcode_", 24);
    this.codes.set(code, { challenge, redirectUri, scope, used: false });
    return code;
  }

  readonly handle: Handler = async (request) => {
    const url = new URL(request.url);
    // Paths only: over loopback both hosts share one port.
    if (url.pathname === "/oauth2/authorize" && request.method === "GET") {
      const outcome = await this.authorize(`${DROPBOX_WWW}${url.pathname}${url.search}`);
      if (outcome.kind === "error_page") return text(outcome.message, outcome.status, "text/html; charset=utf-8");
      return new Response(null, { status: 302, headers: { location: outcome.request.url } });
    }
    if (url.pathname === "/oauth2/token") return this.token(request);
    return text("Not Found", 404);
  };

  private async token(request: Request): Promise<Response> {
    const recorded = await recordRequest(request);
    this.tokenRequests.push(recorded);
    const injected = this.injected.shift();
    if (injected) return injected();
    if (request.method !== "POST") return text('Error in call to API function "oauth2/token": Expected POST', 400);
    const type = recorded.headers["content-type"] ?? "";
    if (!type.startsWith("application/x-www-form-urlencoded")) {
      return text(
        `Error in call to API function "oauth2/token": Bad HTTP "Content-Type" header: "${type}".  Expecting one of "application/x-www-form-urlencoded".`,
        400,
      );
    }
    const form = new URLSearchParams(recorded.body);
    const grantType = form.get("grant_type");
    if (grantType === null)
      return text('Error in call to API function "oauth2/token": Missing argument "grant_type"', 400);
    const client = clientCredentials(recorded, form);
    if (client.id !== this.options.clientId || client.secret !== this.options.clientSecret) {
      return json({ error: "invalid_client", error_description: "Invalid client_id or client_secret" }, 400);
    }
    if (grantType === "authorization_code") return this.exchange(form);
    if (grantType === "refresh_token") return this.refresh(form);
    return json({ error: "unsupported_grant_type", error_description: `unsupported grant type ${grantType}` }, 400);
  }

  private async exchange(form: URLSearchParams): Promise<Response> {
    const code = form.get("code");
    if (code === null) return text('Error in call to API function "oauth2/token": Missing argument "code"', 400);
    const issued = this.codes.get(code);
    if (!issued || issued.used) {
      return json({ error: "invalid_grant", error_description: "code doesn't exist or has expired" }, 400);
    }
    issued.used = true; // one attempt per code, successful or not
    if (form.get("redirect_uri") !== issued.redirectUri) {
      return json({ error_description: "redirect_uri mismatch", error: "invalid_grant" }, 400);
    }
    const verifier = form.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || (await s256(verifier)) !== issued.challenge) {
      return json({ error: "invalid_grant", error_description: "invalid code verifier" }, 400);
    }
    const refreshToken = randomToken("dbxrt_", 32);
    this.refreshTokens.set(refreshToken, issued.scope);
    return json({
      access_token: randomToken("sl.u.", 48),
      token_type: "bearer",
      expires_in: 14400,
      refresh_token: refreshToken,
      scope: issued.scope,
      uid: this.uid,
      account_id: this.accountId,
    });
  }

  private refresh(form: URLSearchParams): Response {
    const token = form.get("refresh_token");
    if (token === null || !this.refreshTokens.has(token)) {
      return json({ error: "invalid_grant", error_description: "refresh token is invalid or revoked" }, 400);
    }
    // No rotation: only a new access token and its lifetime.
    return json({ access_token: randomToken("sl.u.", 48), token_type: "bearer", expires_in: 14400 });
  }

  /** A refresh token the fake accepts, for refresh-only tests. */
  mintRefreshToken(scope = "account_info.read"): string {
    const token = randomToken("dbxrt_", 32);
    this.refreshTokens.set(token, scope);
    return token;
  }

  /** Serves both Dropbox hosts' paths on one loopback port. */
  listen(): Promise<Listening> {
    return listen(this.handle, DROPBOX_API);
  }
}

/** Canned Dropbox failure answers, for `fake.injected.push(...)`. */
export const dropboxFailures = {
  /** A malformed-request 400 as Dropbox sends it: text/plain, not JSON. */
  textPlain400: () => text('Error in call to API function "oauth2/token": Invalid "code_verifier" parameter', 400),
  /** Dropbox's non-RFC 5xx JSON. */
  nonStandard500: () =>
    json({ error: "The server has either erred or is incapable of performing the requested operation." }, 500),
};
