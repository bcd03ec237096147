/**
 * A generic RFC 6749 / RFC 9207 authorization server: `iss` on every authorization response,
 * client_secret_basic decoded per RFC 6749 §2.3.1 (form-urlencoded id and secret inside Basic),
 * PKCE S256 enforced, one-time codes.
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
} from "./http.js";

export const GENERIC_AS = "https://as.example.test";

export interface GenericFakeOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly issuer?: string;
}

export interface BrowseOptions {
  /** `iss` to send: the issuer by default; null leaves it out (a mix-up attacker's response). */
  readonly iss?: string | null;
  readonly extraCallbackParams?: ReadonlyArray<readonly [string, string]>;
}

export class GenericFake {
  readonly tokenRequests: RecordedRequest[] = [];
  private readonly codes = new Map<string, { challenge: string; redirectUri: string; used: boolean }>();

  constructor(readonly options: GenericFakeOptions) {}

  get issuer(): string {
    return this.options.issuer ?? GENERIC_AS;
  }

  async authorize(authorizationUrl: string, browse: BrowseOptions = {}): Promise<BrowserOutcome> {
    const q = new URL(authorizationUrl).searchParams;
    const page = (message: string): BrowserOutcome => ({ kind: "error_page", status: 400, message });
    if (q.get("client_id") !== this.options.clientId) return page("unknown client");
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!this.options.redirectUris.includes(redirectUri)) return page("redirect_uri not registered");
    if (q.get("code_challenge_method") !== "S256") return page("PKCE S256 required");
    const code = randomToken("gen_", 24);
    this.codes.set(code, { challenge: q.get("code_challenge") ?? "", redirectUri, used: false });
    const back = new URL(redirectUri);
    back.searchParams.set("code", code);
    const state = q.get("state");
    if (state !== null) back.searchParams.set("state", state);
    const iss = browse.iss === undefined ? this.issuer : browse.iss;
    if (iss !== null) back.searchParams.set("iss", iss);
    for (const [name, value] of browse.extraCallbackParams ?? []) back.searchParams.append(name, value);
    return { kind: "callback", request: { method: "GET", url: back.href } };
  }

  readonly handle: Handler = async (request) => {
    const recorded = await recordRequest(request);
    this.tokenRequests.push(recorded);
    if (new URL(request.url).pathname !== "/token" || request.method !== "POST")
      return json({ error: "not_found" }, 404);
    const form = new URLSearchParams(recorded.body);
    const client = clientCredentials(recorded, form);
    if (
      client.method !== "basic" ||
      client.id !== this.options.clientId ||
      client.secret !== this.options.clientSecret
    ) {
      return json({ error: "invalid_client" }, 401, { "www-authenticate": 'Basic realm="as"' });
    }
    if (form.get("grant_type") === "refresh_token") {
      return json({ access_token: randomToken("gen_at_"), token_type: "Bearer", expires_in: 3600 });
    }
    const issued = this.codes.get(form.get("code") ?? "");
    if (!issued || issued.used) return json({ error: "invalid_grant" }, 400);
    issued.used = true;
    if (form.get("redirect_uri") !== issued.redirectUri) return json({ error: "invalid_grant" }, 400);
    if ((await s256(form.get("code_verifier") ?? "")) !== issued.challenge)
      return json({ error: "invalid_grant" }, 400);
    return json({
      access_token: randomToken("gen_at_"),
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: randomToken("gen_rt_"),
    });
  };

  listen(): Promise<Listening> {
    return listen(this.handle, GENERIC_AS);
  }
}
