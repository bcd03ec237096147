/**
 * A real OAuth2/OIDC authorization server for the browser runs: node-oidc-provider with its own
 * development interaction pages (login form, consent button), which the tests click through.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface OidcClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registered exactly: every relay callback URL that will be used with this client. */
  readonly redirectUris: readonly string[];
}

export interface RunningProvider {
  readonly issuer: string;
  /** The generic `server` object for the relay's APPS entry. */
  serverConfig(id: string): Record<string, unknown>;
  close(): Promise<void>;
}

type ProviderCtor = new (
  issuer: string,
  config: Record<string, unknown>,
) => {
  callback(): (req: unknown, res: unknown) => void;
  on(event: string, listener: (...args: unknown[]) => void): void;
};

export async function startProvider(port: number, client: OidcClient): Promise<RunningProvider> {
  // oidc-provider ships no type declarations; a non-literal specifier keeps tsc out of it.
  const specifier = "oidc-provider";
  // Its start-up warnings (Node 20, dev adapter, dev keys, dev interactions) are expected here.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("oidc-provider WARNING")) warn(...args);
  };
  try {
    return await start(port, client, ((await import(specifier)) as { default: ProviderCtor }).default);
  } finally {
    console.warn = warn;
  }
}

async function start(port: number, client: OidcClient, Provider: ProviderCtor): Promise<RunningProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [...client.redirectUris],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    cookies: { keys: [crypto.randomUUID()] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    features: { devInteractions: { enabled: true } },
    // Any login and password are accepted by the dev interactions; the account is the login.
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  // Keep the provider's dev-mode warnings off the test output.
  provider.on("server_error", () => {});
  const server: Server = createServer(provider.callback() as Parameters<typeof createServer>[0] & object);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${actual}`;
  return {
    issuer,
    serverConfig: (id) => ({
      id,
      authorization_endpoint: `${base}/auth`,
      token_endpoint: `${base}/token`,
      issuer,
      token_endpoint_auth_method: "client_secret_basic",
      pkce: "S256",
      iss_parameter: true,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
