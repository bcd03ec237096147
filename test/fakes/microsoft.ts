/**
 * A Microsoft identity platform v2 (Entra ID) shaped OAuth2 server:
 * `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{authorize,token}`.
 *  - authorize: tenant in the path, exact redirect_uri (else an AADSTS50011 error page, no
 *    redirect), `response_mode=form_post` required (the code comes back as a POSTed form),
 *    `offline_access` required in scope, PKCE S256; codes are one-time, bound to challenge,
 *    redirect_uri and tenant;
 *  - errors: `error` + `error_description` of the form `AADSTSnnnnn: text\r\nTrace ID: …\r\n…`, plus
 *    error_codes / trace_id / correlation_id / error_uri on the token endpoint;
 *  - token: `token_type:"Bearer"`; refresh tokens roll (a new one on every use; old ones stay valid,
 *    as Entra does not revoke them).
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

export const MICROSOFT_LOGIN = "https://login.microsoftonline.com";

export interface MicrosoftFakeOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  /** Tenants that exist besides common/organizations/consumers (GUIDs or verified domains). */
  readonly tenants?: readonly string[];
}

interface IssuedCode {
  readonly challenge: string;
  readonly redirectUri: string;
  readonly tenant: string;
  readonly scope: string;
  used: boolean;
}

export interface BrowseOptions {
  readonly deny?: boolean;
  /** A raw AADSTS-style error returned to the callback instead of a code. */
  readonly error?: { readonly error: string; readonly description: string };
  readonly extraCallbackParams?: ReadonlyArray<readonly [string, string]>;
}

const PATH = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/;
const WELL_KNOWN_TENANTS = ["common", "organizations", "consumers"];

/** `AADSTSnnnnn: text` followed by Entra's CRLF-separated trace lines. */
export function aadstsDescription(code: number, message: string): string {
  const trace = crypto.randomUUID();
  const correlation = crypto.randomUUID();
  return `AADSTS${code}: ${message}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${new Date().toISOString().replace("T", " ").slice(0, 19)}Z`;
}

function aadError(status: number, error: string, code: number, message: string): Response {
  return json(
    {
      error,
      error_description: aadstsDescription(code, message),
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: crypto.randomUUID(),
      correlation_id: crypto.randomUUID(),
      error_uri: `${MICROSOFT_LOGIN}/error?code=${code}`,
    },
    status,
  );
}

export class MicrosoftFake {
  readonly tokenRequests: RecordedRequest[] = [];
  readonly injected: Array<() => Response | Promise<Response>> = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, { tenant: string; scope: string }>();

  constructor(readonly options: MicrosoftFakeOptions) {}

  private tenantExists(tenant: string): boolean {
    return WELL_KNOWN_TENANTS.includes(tenant) || (this.options.tenants ?? []).includes(tenant);
  }

  /** The authorize step after the user signs in and decides (consents or cancels). */
  async authorize(authorizationUrl: string, browse: BrowseOptions = {}): Promise<BrowserOutcome> {
    const url = new URL(authorizationUrl);
    const q = url.searchParams;
    const page = (message: string): BrowserOutcome => ({ kind: "error_page", status: 400, message });
    const match = PATH.exec(url.pathname);
    if (url.origin !== MICROSOFT_LOGIN || !match || match[2] !== "authorize") return page("not the authorize endpoint");
    const tenant = decodeURIComponent(match[1] ?? "");
    if (!this.tenantExists(tenant)) return page(aadstsDescription(90002, `Tenant '${tenant}' not found.`));
    if (q.get("client_id") !== this.options.clientId)
      return page(aadstsDescription(700016, "Application not found in the directory."));
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.options.redirectUris.includes(redirectUri)) {
      return page(
        aadstsDescription(
          50011,
          "The redirect URI specified in the request does not match the redirect URIs configured.",
        ),
      );
    }
    // From here on, Entra reports problems to the redirect URI, with the mode the request asked for.
    if (q.get("response_mode") !== "form_post") {
      return page(
        aadstsDescription(
          900144,
          "The request body must contain the following parameter: 'response_mode' = form_post (fake requires it).",
        ),
      );
    }
    const state = q.get("state");
    const back = (fields: Array<[string, string]>): BrowserOutcome => {
      const form = new URLSearchParams(fields);
      if (state !== null) form.set("state", state);
      for (const [name, value] of browse.extraCallbackParams ?? []) form.append(name, value);
      return { kind: "callback", request: { method: "POST", url: redirectUri, form } };
    };
    const fail = (error: string, code: number, message: string) =>
      back([
        ["error", error],
        ["error_description", aadstsDescription(code, message)],
      ]);
    if (q.get("response_type") !== "code")
      return fail("unsupported_response_type", 70005, "response_type 'x' is not enabled for the application.");
    const scopes = (q.get("scope") ?? "").split(" ");
    if (!scopes.includes("offline_access"))
      return fail("invalid_request", 90014, "The required field 'offline_access' scope is missing (fake requires it).");
    if (q.get("code_challenge_method") !== "S256")
      return fail("invalid_request", 501491, "Invalid code_challenge_method.");
    const challenge = q.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
      return fail("invalid_request", 501491, "Invalid size of Code_Challenge parameter.");
    if (browse.error) {
      return back([
        ["error", browse.error.error],
        ["error_description", browse.error.description],
      ]);
    }
    if (browse.deny) return fail("access_denied", 65004, "User declined to consent to access the app.");
    const code = randomToken("M.C5_BAY.2.U.", 48);
    this.codes.set(code, { challenge, redirectUri, tenant, scope: q.get("scope") ?? "", used: false });
    return back([
      ["code", code],
      ["session_state", crypto.randomUUID()],
    ]);
  }

  readonly handle: Handler = async (request) => {
    const url = new URL(request.url);
    const match = PATH.exec(url.pathname);
    if (!match) return text("Not Found", 404);
    if (match[2] === "authorize") {
      const outcome = await this.authorize(`${MICROSOFT_LOGIN}${url.pathname}${url.search}`);
      if (outcome.kind === "error_page") return text(outcome.message, outcome.status, "text/html; charset=utf-8");
      return text("<form method=post>…</form>", 200, "text/html; charset=utf-8");
    }
    return this.token(request, decodeURIComponent(match[1] ?? ""));
  };

  private async token(request: Request, tenant: string): Promise<Response> {
    const recorded = await recordRequest(request);
    this.tokenRequests.push(recorded);
    const injected = this.injected.shift();
    if (injected) return injected();
    if (request.method !== "POST")
      return aadError(400, "invalid_request", 900561, "The endpoint only accepts POST requests.");
    if (!this.tenantExists(tenant)) return aadError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    const form = new URLSearchParams(recorded.body);
    const grantType = form.get("grant_type");
    if (grantType === null) {
      return aadError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    }
    const client = clientCredentials(recorded, form);
    if (client.id !== this.options.clientId)
      return aadError(400, "unauthorized_client", 700016, "Application not found in the directory.");
    if (client.secret !== this.options.clientSecret) {
      return aadError(401, "invalid_client", 7000215, "Invalid client secret provided.");
    }
    if (grantType === "authorization_code") return this.exchange(form, tenant);
    if (grantType === "refresh_token") return this.refresh(form, tenant);
    return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  }

  private async exchange(form: URLSearchParams, tenant: string): Promise<Response> {
    const code = form.get("code") ?? "";
    const issued = this.codes.get(code);
    if (!issued)
      return aadError(
        400,
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity.",
      );
    if (issued.used) {
      return aadError(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
      );
    }
    issued.used = true;
    if (issued.tenant !== tenant)
      return aadError(400, "invalid_grant", 50148, "The code was issued for a different tenant.");
    if (form.get("redirect_uri") !== issued.redirectUri) {
      return aadError(
        400,
        "invalid_grant",
        50011,
        "The redirect URI specified in the request does not match the one used to obtain the code.",
      );
    }
    const verifier = form.get("code_verifier") ?? "";
    if ((await s256(verifier)) !== issued.challenge) {
      return aadError(
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
      );
    }
    return this.issueTokens(tenant, issued.scope);
  }

  private issueTokens(tenant: string, scope: string): Response {
    const refreshToken = randomToken("M.C5_BAY.0.U.-", 64);
    this.refreshTokens.set(refreshToken, { tenant, scope });
    return json({
      token_type: "Bearer",
      scope: scope
        .split(" ")
        .filter((s) => s !== "offline_access")
        .join(" "),
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: randomToken("eyJ0eXAiOiJKV1Qi.", 96),
      refresh_token: refreshToken,
    });
  }

  private refresh(form: URLSearchParams, tenant: string): Response {
    const token = form.get("refresh_token") ?? "";
    const known = this.refreshTokens.get(token);
    if (!known || known.tenant !== tenant) {
      return aadError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
    }
    // Rolling refresh tokens: a new one on every use; Entra does not revoke the old one.
    return this.issueTokens(tenant, form.get("scope") ?? known.scope);
  }

  mintRefreshToken(tenant: string, scope = "offline_access User.Read"): string {
    const token = randomToken("M.C5_BAY.0.U.-", 64);
    this.refreshTokens.set(token, { tenant, scope });
    return token;
  }

  listen(): Promise<Listening> {
    return listen(this.handle, MICROSOFT_LOGIN);
  }
}
