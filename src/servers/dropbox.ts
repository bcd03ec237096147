import { NO_TENANT, type ServerProfile } from "./profile.js";

/**
 * Dropbox. Quirks handled here: `token_access_type=offline` is required to get a refresh token;
 * `state` is limited to 500 bytes; token_type arrives as lower-case `bearer` (accepted by the
 * case-insensitive token check); some token-endpoint errors are text/plain (handled by the generic
 * upstream parser, which never trusts the content type).
 */
export const dropbox: ServerProfile = {
  id: "dropbox",
  displayName: "Dropbox",
  authorizationEndpoint: () => "https://www.dropbox.com/oauth2/authorize",
  tokenEndpoint: () => "https://api.dropboxapi.com/oauth2/token",
  tokenEndpointAuthMethod: "client_secret_post",
  fixedAuthParams: { token_access_type: "offline" },
  allowedParams: [
    "force_reapprove",
    "force_reauthentication",
    "disable_signup",
    "require_role",
    "locale",
    "include_granted_scopes",
  ],
  requiredScopes: [],
  defaultScopes: [
    "files.metadata.write",
    "files.metadata.read",
    "files.content.write",
    "files.content.read",
    "sharing.write",
    "sharing.read",
    "account_info.read",
  ],
  allowedScopes: [
    "account_info.*",
    "files.*",
    "sharing.*",
    "file_requests.*",
    "contacts.*",
    "openid",
    "email",
    "profile",
  ],
  stateMax: 500,
  issParameter: false,
  issuer: null,
  tenant: NO_TENANT,
};
