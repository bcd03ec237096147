/**
 * An APPS entry whose server is described field by field (src/servers/generic.ts) rather than named
 * from the catalogue: `origin`/authorize and `origin`/token, PKCE S256. The tests' fake providers
 * and the generic-server paths all start from this one shape.
 */
export interface GenericAppOptions {
  readonly clientId?: string;
  readonly method?: "client_secret_basic" | "client_secret_post";
  /** More server fields (issuer, basic_encoding, iss_parameter, …). */
  readonly server?: Readonly<Record<string, unknown>>;
  /** More app fields (name, scopes, …). */
  readonly app?: Readonly<Record<string, unknown>>;
}

export function genericApp(id: string, origin: string, options: GenericAppOptions = {}): Record<string, unknown> {
  return {
    id,
    client_id: options.clientId ?? `${id}-client`,
    server: {
      id,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      token_endpoint_auth_method: options.method ?? "client_secret_basic",
      pkce: "S256",
      ...options.server,
    },
    ...options.app,
  };
}
