import type { AppConfig } from "../config.js";
import type { RelayState } from "../crypto/relay-state.js";

export function callbackUrl(relayUrl: string, appId: string): string {
  return `${relayUrl}/v1/callback/${appId}`;
}

/**
 * The provider authorization request (RFC 6749 §4.1.1): response_type=code only (RFC 9700 §2.1.2),
 * the relay's one redirect URI, PKCE S256 always (RFC 7636 §4.3; RFC 9700 §2.1.1), then the
 * profile's fixed parameters, which the instance cannot override.
 */
export function buildAuthorizationUrl(
  app: AppConfig,
  relayUrl: string,
  relayState: string,
  state: RelayState,
  /** `s256Challenge` of the verifier sealed in `relayState`. */
  codeChallenge: string,
  scopes: readonly string[],
  extraParams: Readonly<Record<string, string>>,
): string {
  const url = new URL(app.server.authorizationEndpoint(state.tenant));
  const query = url.searchParams;
  query.set("response_type", "code");
  query.set("client_id", app.clientId);
  query.set("redirect_uri", callbackUrl(relayUrl, app.id));
  if (scopes.length > 0) query.set("scope", scopes.join(" "));
  query.set("state", relayState);
  query.set("code_challenge", codeChallenge);
  query.set("code_challenge_method", "S256");
  for (const [name, value] of Object.entries(extraParams)) query.set(name, value);
  for (const [name, value] of Object.entries(app.server.fixedAuthParams)) query.set(name, value);
  return url.href;
}
