/**
 * A real OAuth2 / OpenID server for full-flow tests: oidc-provider on 127.0.0.1, a random port,
 * confidential clients registered with exactly the relay's callback URL, PKCE S256 required,
 * one-time codes, refresh tokens, and its development login/consent pages, which `authorize()`
 * drives with plain fetch and a hand-kept cookie jar (no browser).
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface OidcClientSpec {
  /** Relay app id: the client's redirect URI is `${relayUrl}/v1/callback/<appId>`. */
  appId: string;
  clientId: string;
  clientSecret: string;
  authMethod: "client_secret_basic" | "client_secret_post";
  /** Further exact redirect URIs (the Qorus bridge's `RELAY_URL/qorus-oauth2-redirect`). */
  extraRedirectUris?: readonly string[];
}

export interface OidcServer {
  issuer: string;
  /** The relay's generic-server app config (one APPS element) for a registered client. */
  app(spec: OidcClientSpec, serverId?: string): Record<string, unknown>;
  /** GET userinfo with an access token: 200 only for a token this server issued and still honours. */
  userinfo(accessToken: string): Promise<Response>;
  /** RFC 7662 introspection, authenticated as the given client. */
  introspect(token: string, spec: OidcClientSpec): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export function newClient(appId: string, authMethod: OidcClientSpec["authMethod"], secret?: string): OidcClientSpec {
  return {
    appId,
    clientId: `client-${appId}`,
    clientSecret: secret ?? randomBytes(24).toString("base64url"),
    authMethod,
  };
}

/** oidc-provider's start-up warnings (development adapter, keys and interactions) are expected here. */
function quietly<T>(make: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("oidc-provider WARNING")) warn(...args);
  };
  try {
    return make();
  } finally {
    console.warn = warn;
  }
}

export async function startOidcProvider(relayUrl: string, clients: OidcClientSpec[], port = 0): Promise<OidcServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = quietly(
    () =>
      new Provider(issuer, {
        clients: clients.map((spec) => ({
          client_id: spec.clientId,
          client_secret: spec.clientSecret,
          redirect_uris: [`${relayUrl}/v1/callback/${spec.appId}`, ...(spec.extraRedirectUris ?? [])],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: spec.authMethod,
        })),
        // PKCE for every client, confidential ones included (RFC 9700 §2.1.1); S256 is the only method.
        pkce: { required: () => true },
        features: {
          devInteractions: { enabled: true },
          introspection: { enabled: true, allowedPolicy: async () => true },
        },
        ttl: {
          AccessToken: 3600,
          AuthorizationCode: 60,
          Grant: 3600,
          IdToken: 3600,
          Interaction: 600,
          RefreshToken: 86400,
          Session: 3600,
        },
        cookies: { keys: [randomBytes(32).toString("base64url")] },
        findAccount: async (_ctx: unknown, id: string) => ({
          accountId: id,
          claims: async () => ({ sub: id }),
        }),
      }),
  );
  // Keep the provider's development-mode errors off the test output.
  provider.on("server_error", () => {});
  server.on("request", provider.callback());
  const clientAuth = (spec: OidcClientSpec, form: URLSearchParams): Record<string, string> => {
    if (spec.authMethod === "client_secret_post") {
      form.set("client_id", spec.clientId);
      form.set("client_secret", spec.clientSecret);
      return {};
    }
    const basic = Buffer.from(
      `${encodeURIComponent(spec.clientId)}:${encodeURIComponent(spec.clientSecret)}`,
      "utf8",
    ).toString("base64");
    return { authorization: `Basic ${basic}` };
  };
  return {
    issuer,
    app: (spec, serverId = "oidc") => ({
      id: spec.appId,
      client_id: spec.clientId,
      name: `OIDC ${spec.appId}`,
      server: {
        id: serverId,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        issuer,
        token_endpoint_auth_method: spec.authMethod,
        pkce: "S256",
        params: { allow: ["prompt"] },
        // oidc-provider sends RFC 9207 `iss` on every authorization response.
        iss_parameter: true,
      },
      scopes: { default: ["openid", "offline_access"], allow: ["openid", "offline_access", "profile", "email"] },
    }),
    userinfo: (accessToken) => fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } }),
    introspect: async (token, spec) => {
      const form = new URLSearchParams({ token });
      const headers = clientAuth(spec, form);
      const response = await fetch(`${issuer}/token/introspection`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: form,
      });
      if (response.status !== 200) throw new Error(`introspection answered ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A cookie jar good enough for one provider origin (name → value; paths ignored). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = header.split(";");
      const index = pair.indexOf("=");
      if (index < 1) continue;
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", raw = ""] = attribute.split("=").map((part) => part.trim());
        if (key.toLowerCase() === "max-age") return Number(raw) <= 0;
        if (key.toLowerCase() === "expires") return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

export interface AuthorizeOptions {
  /** The account to sign in as (dev interactions accept any login). */
  login?: string;
  /** Cancel at the consent/login page instead: the provider answers `access_denied`. */
  deny?: boolean;
}

/**
 * Plays the browser from the provider's authorization URL: follows redirects, signs in and
 * consents on oidc-provider's development pages, and returns the URL the provider finally sends
 * the browser to on another origin (the relay callback), without requesting it.
 */
export async function authorize(authorizationUrl: string, options: AuthorizeOptions = {}): Promise<string> {
  const providerOrigin = new URL(authorizationUrl).origin;
  const jar = new CookieJar();
  let url = authorizationUrl;
  let init: { method: string; body?: URLSearchParams } = { method: "GET" };
  for (let step = 0; step < 20; step++) {
    const response = await fetch(url, {
      method: init.method,
      body: init.body,
      redirect: "manual",
      headers: {
        cookie: jar.header(),
        ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
    });
    jar.store(response);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const next = new URL(response.headers.get("location") ?? "", url);
      if (next.origin !== providerOrigin) return next.href;
      url = next.href;
      init = { method: "GET" };
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status}: ${page.slice(0, 500)}`);
    const formTag = /<form\b[^>]*>/.exec(page)?.[0];
    const action = formTag ? attribute(formTag, "action") : undefined;
    if (!formTag || action === undefined) throw new Error(`provider page without a form: ${page.slice(0, 500)}`);
    if (options.deny) {
      url = new URL(`${action}/abort`, url).href;
      init = { method: "GET" };
      continue;
    }
    const body = new URLSearchParams();
    for (const input of page.matchAll(/<input\b[^>]*>/g)) {
      const name = attribute(input[0], "name");
      if (name === undefined) continue;
      if (name === "login") body.set(name, options.login ?? "alice");
      else if (name === "password") body.set(name, "any-password");
      else if (attribute(input[0], "type") === "hidden") body.set(name, attribute(input[0], "value") ?? "");
    }
    url = new URL(action, url).href;
    init = { method: "POST", body };
  }
  throw new Error("authorization did not reach the relay callback in 20 steps");
}
