import { NO_TENANT, type ServerProfile } from "./profile.js";

/**
 * The built-in sandbox authorization server (SANDBOX=1): a real OAuth2 server served by the relay
 * itself under /sandbox, so the whole flow can be tried without an account anywhere.
 */
export function sandboxProfile(relayUrl: string): ServerProfile {
  return {
    id: "sandbox",
    displayName: "Sandbox",
    authorizationEndpoint: () => `${relayUrl}/sandbox/authorize`,
    tokenEndpoint: () => `${relayUrl}/sandbox/token`,
    tokenEndpointAuthMethod: "client_secret_basic",
    fixedAuthParams: {},
    allowedParams: ["login_hint"],
    requiredScopes: [],
    defaultScopes: ["profile"],
    allowedScopes: ["profile", "files.*", "offline_access"],
    stateMax: null,
    issParameter: true,
    issuer: `${relayUrl}/sandbox`,
    tenant: NO_TENANT,
  };
}
