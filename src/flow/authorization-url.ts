import type { AppConfig } from "../config.js";
import type { Vars } from "../servers/profile.js";
import { endpoint } from "../servers/variables.js";

export function callbackUrl(relayUrl: string, appId: string): string {
  return `${relayUrl}/v1/callback/${appId}`;
}

/**
 * The provider authorization request (RFC 6749 §4.1.1): response_type=code only (RFC 9700 §2.1.2),
 * the relay's one redirect URI, PKCE S256 always (RFC 7636 §4.3; RFC 9700 §2.1.1), then the
 * profile's fixed parameters, which the instance cannot override. Scopes are joined with the
 * profile's separator (RFC 6749 §3.3 says a space; Slack, Zoho, Linear and Squarespace want a comma).
 */
export function buildAuthorizationUrl(
  app: AppConfig,
  relayUrl: string,
  relayState: string,
  /** resolveVars' answer for this flow. */
  vars: Vars,
  /** `s256Challenge` of the verifier sealed in `relayState`. */
  codeChallenge: string,
  scopes: readonly string[],
  extraParams: Readonly<Record<string, string>>,
): string {
  const query = new URLSearchParams();
  query.set("response_type", "code");
  query.set("client_id", app.clientId);
  query.set("redirect_uri", callbackUrl(relayUrl, app.id));
  if (scopes.length > 0) query.set("scope", scopes.join(app.server.scopeSeparator));
  query.set("state", relayState);
  query.set("code_challenge", codeChallenge);
  query.set("code_challenge_method", "S256");
  for (const [name, value] of Object.entries(extraParams)) query.set(name, value);
  for (const [name, value] of Object.entries(app.server.fixedAuthParams)) query.set(name, value);
  return withQuery(endpoint(app.server.authorizeTemplate, vars), query);
}

/**
 * Appends the query to the endpoint. An endpoint with a fragment is a single-page app that reads
 * its parameters from the fragment (Apollo: `https://app.apollo.io/#/oauth/authorize?…`), so the
 * query goes after the `#` there, where that app looks for it.
 */
function withQuery(base: string, query: URLSearchParams): string {
  const hash = base.indexOf("#");
  if (hash >= 0) {
    const fragment = base.slice(hash + 1);
    return `${base.slice(0, hash + 1)}${fragment}${fragment.includes("?") ? "&" : "?"}${query}`;
  }
  const url = new URL(base);
  for (const [name, value] of query) url.searchParams.set(name, value);
  return url.href;
}
