import type { ServerProfile } from "./profile.js";

const TENANT_PATTERN =
  /^(common|organizations|consumers|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63})$/;

const LOGIN_BASE = "https://login.microsoftonline.com";

/**
 * Microsoft identity platform v2 (Entra ID): Graph, SharePoint, Dynamics 365 / Dataverse.
 * Quirks handled here: the tenant is templated into both endpoints; the provider leg uses
 * `response_mode=form_post` so the code arrives in a POST body rather than a URL (RFC 9700 §4.2.4);
 * `offline_access` is always requested so a refresh token is issued.
 */
export const microsoft: ServerProfile = {
  id: "microsoft",
  displayName: "Microsoft",
  authorizationEndpoint: (tenant) => `${LOGIN_BASE}/${tenant ?? "common"}/oauth2/v2.0/authorize`,
  tokenEndpoint: (tenant) => `${LOGIN_BASE}/${tenant ?? "common"}/oauth2/v2.0/token`,
  tokenEndpointAuthMethod: "client_secret_post",
  fixedAuthParams: { response_mode: "form_post" },
  allowedParams: ["prompt", "login_hint", "domain_hint"],
  requiredScopes: ["offline_access"],
  defaultScopes: ["offline_access", "Files.ReadWrite.All", "User.Read"],
  allowedScopes: [
    "openid",
    "profile",
    "email",
    "offline_access",
    "User.Read",
    "Files.*",
    "Sites.*",
    "https://graph.microsoft.com/User.Read",
    "https://graph.microsoft.com/Files.*",
    "https://graph.microsoft.com/Sites.*",
    // Dynamics 365 / Dataverse environments: https://<org>.crm<N>.dynamics.com/...
    "https://*.crm*.dynamics.com/user_impersonation",
    "https://*.crm*.dynamics.com/.default",
  ],
  stateMax: null,
  // Entra does not implement RFC 9207 (no `iss` on the authorization response).
  issParameter: false,
  issuer: null,
  tenant: {
    supported: true,
    validate: (tenant) =>
      TENANT_PATTERN.test(tenant)
        ? null
        : "tenant must be common, organizations, consumers, a tenant GUID or a verified domain",
  },
};
