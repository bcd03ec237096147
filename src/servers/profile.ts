/**
 * A server profile: everything the relay needs to know about one OAuth2 authorization server.
 * Provider quirks live in the profile modules (dropbox.ts, microsoft.ts, generic.ts, sandbox.ts),
 * never as `if (server === ...)` chains in the flow code.
 */
export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post";

export interface TenantRule {
  /** True when the profile templates a tenant into its endpoints (Microsoft). */
  readonly supported: boolean;
  /** Checks a tenant value; returns an error text or null. */
  validate(tenant: string): string | null;
}

export interface ServerProfile {
  /** The anonymous identifier that gets recorded (e.g. `dropbox`). */
  readonly id: string;
  readonly displayName: string;
  authorizationEndpoint(tenant: string | null): string;
  tokenEndpoint(tenant: string | null): string;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Parameters the relay always adds to the authorization request; callers cannot override them. */
  readonly fixedAuthParams: Readonly<Record<string, string>>;
  /** Extra authorization parameters an instance may pass through `params`. */
  readonly allowedParams: readonly string[];
  /** Scopes always added to the request (e.g. Microsoft `offline_access`). */
  readonly requiredScopes: readonly string[];
  readonly defaultScopes: readonly string[];
  readonly allowedScopes: readonly string[];
  /** Provider limit on the `state` parameter, in bytes, if it has one. */
  readonly stateMax: number | null;
  /** RFC 9207: when true the callback must carry `iss` equal to `issuer`. */
  readonly issParameter: boolean;
  readonly issuer: string | null;
  readonly tenant: TenantRule;
}

export const NO_TENANT: TenantRule = {
  supported: false,
  validate: () => "this server does not take a tenant",
};

/**
 * The tenant a token endpoint URL names, for a profile that templates one into its endpoint
 * (Microsoft: `…/{tenant}/oauth2/v2.0/token`): `null` for a profile without a tenant when the URL is
 * exactly its endpoint; `undefined` when the URL is not this profile's endpoint for any valid
 * tenant. The URL is compared with the template's fixed parts, so no request value can move the
 * host or path (the Qorus cloud API bridge checks instances' `token_uri` with this).
 */
export function tenantOfTokenEndpoint(profile: ServerProfile, url: string): string | null | undefined {
  if (!profile.tenant.supported) return url === profile.tokenEndpoint(null) ? null : undefined;
  const marker = "\u0000tenant\u0000";
  const [prefix = "", suffix = ""] = profile.tokenEndpoint(marker).split(marker);
  if (!url.startsWith(prefix) || !url.endsWith(suffix) || url.length <= prefix.length + suffix.length) return undefined;
  const tenant = url.slice(prefix.length, url.length - suffix.length);
  return profile.tenant.validate(tenant) === null ? tenant : undefined;
}
