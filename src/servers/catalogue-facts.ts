/**
 * What each catalogue entry rests on: refresh-token behaviour, PKCE support, notes for the operator,
 * the sources checked and the facts that remain unverified. Used by the CLI (`providers`), the
 * generated docs/PROVIDERS.md and the provider fake; never by the relay itself, so none of this
 * prose is in the Worker bundle.
 */
export type RefreshBehaviour = "reusable" | "rotating" | "optional-rotation" | "none";

/** What an instance does with refresh tokens, per behaviour: for the CLI and the docs. */
export const REFRESH_BEHAVIOUR_TEXT: Readonly<Record<RefreshBehaviour, string>> = {
  reusable: "kept (the refresh answer omits it)",
  rotating: "rotates (store the new one every time)",
  "optional-rotation": "app setting (store a new one when sent)",
  none: "none issued",
};

export interface ProviderFacts {
  /** reusable: the refresh response omits refresh_token; rotating: a new one every time; none: no refresh token is issued. */
  readonly refresh: RefreshBehaviour;
  readonly pkce: "supported" | "undocumented";
  readonly notes: string;
  readonly unverified: readonly string[];
  readonly sources: readonly { readonly fact: string; readonly source: string; readonly verified: boolean }[];
  readonly scopesNote?: string;
  /** What each template variable means, for the operator. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Named alternative scope sets (e.g. Google calendar, gmail). */
  readonly scopeSets?: Readonly<Record<string, readonly string[]>>;
}

export const CATALOGUE_FACTS: Readonly<Record<string, ProviderFacts>> = {
  google: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "access_type=offline + prompt=consent make Google return a refresh token on every consent. Discovery document lists token_endpoint_auth_methods client_secret_post and client_secret_basic and code_challenge_methods plain,S256. Legacy issuer value 'accounts.google.com' may also appear in ID tokens. Apps using sensitive/restricted scopes (gmail, drive) need Google verification. prompt is fixed (prompt=consent), so it is not among the parameters an instance may add.",
    unverified: [
      "refresh token reuse (refresh response omits refresh_token) - only a third-party note and Google's sample response, not re-read",
      "RFC 9207: Google's OIDC reference lists authorization_response_iss_parameter_supported, but its value was not seen (panva/wellknown snapshots of the discovery document lack the field) - iss left optional",
    ],
    sources: [
      {
        fact: "authorization + token endpoints, issuer, auth methods, S256",
        source:
          "https://developers.google.com/identity/openid-connect/reference (Discovery document https://accounts.google.com/.well-known/openid-configuration, as quoted in github iamgbsmith/til)",
        verified: true,
      },
      {
        fact: "access_type online|offline, state, space-delimited scope",
        source:
          "Using OAuth 2.0 for Web Server Applications https://developers.google.com/accounts/docs/OAuth ; apidog copy of the parameter table",
        verified: true,
      },
      {
        fact: "PKCE supported",
        source:
          "googleapis.dev Google.Apis.Auth PkceGoogleAuthorizationCodeFlow (refs developers.google.com/identity/protocols/oauth2/native-app)",
        verified: true,
      },
      {
        fact: "refresh response usually omits refresh_token (reusable)",
        source: "docs.rs pidge-gmail auth module (third-party)",
        verified: false,
      },
      {
        fact: "login_hint, hd, include_granted_scopes and prompt authorization parameters",
        source:
          "Google Account Authorization JavaScript API reference https://developers.google.com/identity/oauth2/web/reference/js-reference ; OpenID Connect hd-param https://developers.google.com/identity/protocols/OpenIDConnect#hd-param ; google-auth-library GenerateAuthUrlOpts (cloud.google.com)",
        verified: true,
      },
      {
        fact: "token_type always Bearer; refresh_token only when access_type=offline",
        source:
          "google-auth-library CredentialRequest https://cloud.google.com/nodejs/docs/reference/google-auth-library/latest/google-auth-library/credentialrequest",
        verified: true,
      },
    ],
    scopesNote:
      "Base grests connection has no scopes; the Qore connection type picks a set (gcal -> calendar, gmail -> https://mail.google.com/). Space-delimited. The pattern https://www.googleapis.com/auth/* covers every Google API scope (drive, calendar.events, gmail.send ...).",
    scopeSets: {
      calendar: ["https://www.googleapis.com/auth/calendar"],
      gmail: ["https://mail.google.com/"],
    },
  },
  salesforce: {
    refresh: "optional-rotation",
    pkce: "supported",
    notes:
      "Decision on host: one variable login_host restricted to login/test.salesforce.com or a *.my.salesforce.com My Domain host (Salesforce recommends the My Domain login URL; sandboxes use test.salesforce.com or MyDomain--Sandbox.sandbox.my.salesforce.com). instance_url and id from the token response must be forwarded unchanged (they become the API base). Refresh token rotation is an optional app setting (previous token invalidated when on). PKCE can be required per app or org-wide; ISV partner apps must enable it. Since Spring '26 new Connected Apps cannot be created - use External Client Apps. The allow-list follows the login.salesforce.com discovery document's scopes_supported (cdp_* covers the cdp scopes).",
    unverified: [
      "login_hint and nonce authorization params (display, immediate, prompt verified)",
      ".develop/.scratch My Domain suffixes; demo, free, patch and Trailhead (trailblaze) partitioned login hosts are not covered by the login_host pattern (exact formats not checked)",
    ],
    sources: [
      {
        fact: "authorize/token/revoke endpoints; sandbox uses test.salesforce.com",
        source:
          "Understanding OAuth Endpoints developer.salesforce.com/docs/atlas.en-us.222.0.api_rest.meta/api/intro_understanding_oauth_endpoints.htm",
        verified: true,
      },
      {
        fact: "My Domain login hosts",
        source: "Authorize an Org Using the Web Server Flow developer.salesforce.com sfdx_dev_auth_web_flow.htm",
        verified: true,
      },
      {
        fact: "PKCE supported / can be required",
        source: "help.salesforce.com remoteaccess_pkce.htm 'Proof Key for Code Exchange (PKCE) Extension'",
        verified: true,
      },
      {
        fact: "refresh token rotation optional setting",
        source: "help.salesforce.com remoteaccess_oauth_refresh_token_flow.htm",
        verified: true,
      },
      {
        fact: "token response fields instance_url, id, issued_at, signature, token_type",
        source: "github jctissier/salesforce-oauth2-REST-Metadata-API-Examples + pastebin example (third-party)",
        verified: false,
      },
      {
        fact: "Connected Apps replaced by External Client Apps (Spring '26)",
        source: "developer.salesforce.com packagingGuide secure_code_ac_eca.htm",
        verified: true,
      },
      {
        fact: "issuer https://login.salesforce.com; endpoints; scopes_supported; token_endpoint_auth_methods client_secret_post, client_secret_basic, private_key_jwt; display page|popup|touch",
        source:
          "Salesforce OIDC discovery https://login.salesforce.com/.well-known/openid-configuration (docs corpus copy; verbatim copy api-evangelist/salesforce well-known/salesforce-openid-configuration.json)",
        verified: true,
      },
      {
        fact: "authorize params display, immediate, state, scope, prompt, code_challenge",
        source:
          "Web Server OAuth flow developer.salesforce.com/docs/atlas.en-us.204.0.api_placeorder.meta/api_placeorder/intro_understanding_web_server_oauth_flow.htm (and ja-jp api_rest 224.0)",
        verified: true,
      },
      {
        fact: "My Domain hostname formats vary for demo, Developer Edition, free, patch, scratch orgs and Trailhead playgrounds",
        source:
          "Call Salesforce URLs Within a Package https://developer.salesforce.com/docs/platform/pkg2-dev/guide/packaging-instanceless-url.html",
        verified: true,
      },
    ],
    scopesNote:
      "Qore default 'full api id refresh_token'; refresh_token (or offline_access) is needed to get a refresh token. Scopes must also be selected on the Connected App / External Client App.",
    vars: {
      login_host:
        "Login host: login.salesforce.com (production), test.salesforce.com (sandbox) or the org's My Domain login host (MyDomainName.my.salesforce.com / MyDomainName--SandboxName.sandbox.my.salesforce.com). Lower-case it before matching.",
    },
  },
  dropbox: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "Without token_access_type=offline there is no refresh token and the access token lasts about 4 hours. The token endpoint also accepts HTTP Basic app_key:app_secret (curl -u). api.dropbox.com/oauth2/token is an alias host. Exact redirect URI must be registered in the App Console.",
    unverified: ["scope families beyond the Qore defaults"],
    sources: [
      {
        fact: "authorize URL, token_access_type online|offline, short-lived tokens, refresh tokens",
        source: "dropbox.tech/developers/using-oauth-2-0-with-offline-access 'Using OAuth 2.0 with offline access'",
        verified: true,
      },
      {
        fact: "PKCE supported (code_verifier/code_challenge for apps without secret)",
        source: "Dropbox OAuth Guide (mirror) developers.dropbox.com/oauth-guide; dropbox-sdk-python PR #187",
        verified: true,
      },
      {
        fact: "token endpoint accepts Basic app_key:app_secret",
        source:
          "documentation.sailpoint.com Dropbox prerequisites (curl https://api.dropbox.com/oauth2/token -u APP_KEY:APP_SECRET)",
        verified: false,
      },
      {
        fact: "api.dropboxapi.com token host",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "account_id in token response",
        source: "Shopify/react-native-app-auth docs/config-examples/dropbox.md (third-party)",
        verified: false,
      },
      {
        fact: "refresh result carries only a new access token and its expiry (refresh token reused)",
        source:
          "Dropbox Java SDK DbxRefreshResult https://dropbox.github.io/dropbox-sdk-java/api-docs/v8.0.1/com/dropbox/core/oauth/DbxRefreshResult.html",
        verified: true,
      },
      {
        fact: "authorize params force_reapprove, force_reauthentication, disable_signup, require_role, locale, include_granted_scopes, token_access_type",
        source:
          "Dropbox Java SDK DbxWebAuth.Request.Builder (dropbox.github.io); dropbox-sdk-rust AuthorizeUrlBuilder (docs.rs) - official SDKs",
        verified: true,
      },
      {
        fact: "state limit 500 bytes (Java SDK: 476 bytes after its own CSRF prefix)",
        source: "Dropbox Java SDK DbxWebAuth.Request.Builder withState; DotNetBox docs (third-party) quote 500 bytes",
        verified: false,
      },
    ],
    scopesNote: "Scoped apps; scopes must be enabled in the App Console. Space separated.",
  },
  microsoft: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "response_mode=form_post is handled by the relay (callback is a POST). Qore sends prompt=consent; keep it as an allowed param, not fixed. Refresh: every refresh returns a new refresh token but the old one is NOT revoked - always store the newest. The callback may carry session_state (and client_info) which must not be forwarded to the token endpoint. Single-tenant app registrations need a tenant GUID/domain, not common. issuer is tenant-specific (https://login.microsoftonline.com/{tenantid}/v2.0 for v2 tokens) - not verified here.",
    unverified: ["issuer format", "ext_expires_in field"],
    sources: [
      {
        fact: "auth code flow, /{tenant}/oauth2/v2.0/authorize|token, PKCE recommended for all app types",
        source:
          "Microsoft identity platform and OAuth 2.0 authorization code flow https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow",
        verified: true,
      },
      {
        fact: "tenant = common | organizations | consumers | tenant GUID | domain",
        source:
          "MSAL.NET WithTenantId docs learn.microsoft.com/en-us/dotnet/api/microsoft.identity.client.abstractapplicationbuilder-1.withtenantid",
        verified: true,
      },
      {
        fact: "refresh tokens replace themselves on every use, old not revoked; 90 days (24h SPA)",
        source:
          "Refresh tokens in the Microsoft identity platform https://learn.microsoft.com/en-nz/entra/identity-platform/refresh-tokens",
        verified: true,
      },
      {
        fact: "offline_access scope needed for a refresh token",
        source:
          "learn.microsoft.com Q&A 1526860, 1898617, 702519 (Microsoft staff answers citing v2-oauth2-auth-code-flow#refreshing-the-access-tokens)",
        verified: true,
      },
      {
        fact: "prompt values login|none|consent|select_account; response_mode; state",
        source: "Entra docs mirror entradiff.merill.net 2026-04-25 / MicrosoftDocs azure-docs commit 5f8f879",
        verified: true,
      },
      {
        fact: "login_hint, domain_hint, prompt authorization parameters",
        source:
          "MSAL.js CommonAuthorizationUrlRequest https://learn.microsoft.com/javascript/api/@azure/msal-common/commonauthorizationurlrequest (loginHint, domainHint, prompt)",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated. offline_access is required for a refresh token (Microsoft ignores access_type). Graph scopes may be given short (Files.Read) or fully qualified (https://graph.microsoft.com/Files.Read).",
    vars: {
      tenant:
        "Entra tenant: common (work/school + personal), organizations, consumers, a tenant GUID or a verified domain. Goes in the path, not the host.",
    },
    scopeSets: {
      onedrive: ["offline_access", "Files.ReadWrite.All", "User.Read"],
      sharepoint: [
        "openid",
        "email",
        "profile",
        "offline_access",
        "Sites.Manage.All",
        "Sites.Read.All",
        "Files.ReadWrite",
        "User.Read",
      ],
    },
  },
  dynamics: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "Same Entra endpoints as 'microsoft'; the Qore CDS module hard-codes /common/ and appends response_mode=query - the relay uses form_post instead (its own choice). The Qorus app catalogue marks Dynamics as requiring a tenant. Org URLs of sovereign clouds (crm.microsoftdynamics.us, crm.dynamics.cn, ...) are not covered by the template.",
    unverified: [
      "list of crm<N> region labels",
      "rule that .default cannot be mixed with user_impersonation (general Entra behaviour, not in excerpt)",
    ],
    sources: [
      {
        fact: "auth code flow, /{tenant}/oauth2/v2.0/authorize|token, PKCE recommended for all app types",
        source:
          "Microsoft identity platform and OAuth 2.0 authorization code flow https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow",
        verified: true,
      },
      {
        fact: "tenant = common | organizations | consumers | tenant GUID | domain",
        source:
          "MSAL.NET WithTenantId docs learn.microsoft.com/en-us/dotnet/api/microsoft.identity.client.abstractapplicationbuilder-1.withtenantid",
        verified: true,
      },
      {
        fact: "refresh tokens replace themselves on every use, old not revoked; 90 days (24h SPA)",
        source:
          "Refresh tokens in the Microsoft identity platform https://learn.microsoft.com/en-nz/entra/identity-platform/refresh-tokens",
        verified: true,
      },
      {
        fact: "offline_access scope needed for a refresh token",
        source:
          "learn.microsoft.com Q&A 1526860, 1898617, 702519 (Microsoft staff answers citing v2-oauth2-auth-code-flow#refreshing-the-access-tokens)",
        verified: true,
      },
      {
        fact: "prompt values login|none|consent|select_account; response_mode; state",
        source: "Entra docs mirror entradiff.merill.net 2026-04-25 / MicrosoftDocs azure-docs commit 5f8f879",
        verified: true,
      },
      {
        fact: "Dataverse OAuth via Entra; scope {organization-url}/user_impersonation (+ openid offline_access)",
        source:
          "Use OAuth authentication with Microsoft Dataverse learn.microsoft.com/en-us/powerapps/developer/common-data-service/authenticate-oauth ; docs.langdock.com dynamics-365 scope mapping (third-party)",
        verified: true,
      },
      {
        fact: "org Web API URL https://yourorg.api.crm.dynamics.com/api/data/v9.2",
        source: "learn.microsoft.com power-apps web-api-types-operations",
        verified: true,
      },
      {
        fact: "{env}/.default scope form",
        source: "learn.microsoft.com Q&A 1569676 (client credentials example)",
        verified: false,
      },
    ],
    scopesNote:
      "Scopes are templated with the org URL (Qore builds '{url}user_impersonation' from the org URL with a trailing '/'). Use either user_impersonation or .default for the org resource, not both (Entra rejects .default mixed with named scopes of the same resource). offline_access for refresh tokens. The allowed pattern https://*.dynamics.com/... accepts any dynamics.com org host.",
    vars: {
      tenant: "Entra tenant (GUID or verified domain preferred; common/organizations allowed for multi-tenant apps).",
      org: "Dataverse environment (organization) name, first label of the org URL https://<org>.crm<N>.dynamics.com",
      crm_region:
        "Regional CRM label: crm (NA), crm2 (South America), crm3 (Canada), crm4 (EMEA), crm5 (APAC), ... crm21 etc.",
    },
    scopeSets: {
      user_impersonation: ["https://{org}.{crm_region}.dynamics.com/user_impersonation", "offline_access"],
      default: ["https://{org}.{crm_region}.dynamics.com/.default", "offline_access"],
    },
  },
  "business-central": {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "API base https://api.businesscentral.dynamics.com/v2.0/<environment>/api/v2.0 (or /v2.0/<tenant domain>/<environment>/...). Same Entra behaviour as 'microsoft'. API.ReadWrite.All and Automation.ReadWrite.All are application permissions for service-to-service (client credentials) that an authorization-code flow cannot obtain, so the allow-list leaves them out; the delegated permissions are user_impersonation and Financials.ReadWrite.All.",
    unverified: [],
    sources: [
      {
        fact: "auth code flow, /{tenant}/oauth2/v2.0/authorize|token, PKCE recommended for all app types",
        source:
          "Microsoft identity platform and OAuth 2.0 authorization code flow https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow",
        verified: true,
      },
      {
        fact: "tenant = common | organizations | consumers | tenant GUID | domain",
        source:
          "MSAL.NET WithTenantId docs learn.microsoft.com/en-us/dotnet/api/microsoft.identity.client.abstractapplicationbuilder-1.withtenantid",
        verified: true,
      },
      {
        fact: "refresh tokens replace themselves on every use, old not revoked; 90 days (24h SPA)",
        source:
          "Refresh tokens in the Microsoft identity platform https://learn.microsoft.com/en-nz/entra/identity-platform/refresh-tokens",
        verified: true,
      },
      {
        fact: "offline_access scope needed for a refresh token",
        source:
          "learn.microsoft.com Q&A 1526860, 1898617, 702519 (Microsoft staff answers citing v2-oauth2-auth-code-flow#refreshing-the-access-tokens)",
        verified: true,
      },
      {
        fact: "prompt values login|none|consent|select_account; response_mode; state",
        source: "Entra docs mirror entradiff.merill.net 2026-04-25 / MicrosoftDocs azure-docs commit 5f8f879",
        verified: true,
      },
      {
        fact: "delegated permission Financials.ReadWrite.All for auth code flow",
        source: "packagist rebelpl/oauth2-businesscentral README (third-party)",
        verified: false,
      },
      {
        fact: "resource https://api.businesscentral.dynamics.com/ and scope .default",
        source: "powershellgallery BcContainerHelper New-BcAuthContext.ps1 (Microsoft-maintained module)",
        verified: true,
      },
      {
        fact: "API base URLs",
        source: "learn.microsoft.com training 'Access Business Central API'",
        verified: true,
      },
      {
        fact: "delegated permission user_impersonation (Dynamics 365 Business Central)",
        source: "microsoft/BCTech samples/AdminCenterApi/Authentication.md (Microsoft)",
        verified: true,
      },
      {
        fact: "delegated permission Financials.ReadWrite.All",
        source: "Microsoft/navcontainerhelper AzureAD/Create-AadAppsForNav.ps1 commit 68f78f0 (Microsoft)",
        verified: true,
      },
      {
        fact: "API.ReadWrite.All and Automation.ReadWrite.All are Application permissions (client credentials flow only)",
        source:
          "Using Service-to-Service (S2S) Authentication https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication (MicrosoftDocs/dynamics365smb-devitpro-pb)",
        verified: true,
      },
    ],
    scopesNote:
      "Resource https://api.businesscentral.dynamics.com/. Qore's business-central profile asks for user_impersonation + Financials.ReadWrite.All + offline_access + '{url}.default' - mixing .default with named scopes of the same resource is rejected by Entra, so the preset drops .default (decision).",
    vars: {
      tenant: "Entra tenant (GUID or verified domain preferred).",
    },
  },
  netsuite: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "state must be 22..1024 printable ASCII characters and unique per flow (a relay state shorter than 22 chars is rejected). If the account is unknown, the authorization request may go to https://system.netsuite.com/app/login/oauth2/authorize.nl; the callback then carries company=<account id> (plus role, entity) from which the token host is built - the relay must forward/validate company against the account_id pattern. Token request: HTTP Basic base64(client_id:client_secret), form-encoded body, code_verifier. PKCE 'plain' is not supported (S256 only). OIDC metadata at https://<account>.suitetalk.api.netsuite.com/.well-known/openid-configuration.",
    unverified: [
      "lower-case / '-' transformation of sandbox account IDs (e.g. 1234567_SB1 -> 1234567-sb1)",
      "refresh token lifetime (7 days only derived from exp - iat of the documented example token)",
      "RFC 9207 iss in the authorization response (not documented)",
    ],
    sources: [
      {
        fact: "authorization endpoint (account host or system.netsuite.com), scopes restlets/rest_webservices/suite_analytics/mcp, state 22..1024 printable ASCII, code_challenge, prompt",
        source:
          "Step One GET Request to the Authorization Endpoint https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081944642.html",
        verified: true,
      },
      {
        fact: "token endpoint, Basic clientid:clientsecret base64, form-urlencoded, code_verifier",
        source:
          "Step Two POST Request to the Token Endpoint https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158081952044.html",
        verified: true,
      },
      {
        fact: "callback includes company, role, entity",
        source:
          "Oracle Identity Governance NetSuite connector docs (…&role=3&entity=4622&company=TSTDRVXXXXXX&code=…); TBA step-two redirect example",
        verified: true,
      },
      {
        fact: "account-specific domains, do not construct yourself",
        source: "URLs for Account-Specific Domains section_1498251763.html",
        verified: true,
      },
      {
        fact: "OIDC metadata URL",
        source: "NetSuite as OIDC Provider for Integration Application Developers section_160855370280.html",
        verified: true,
      },
      {
        fact: "refresh grant: Basic client_id:client_secret + form body; confidential clients get only a new access token (refresh token reused); public clients get a one-time refresh token valid 3 hours; token_type bearer; access token 60 min",
        source:
          "Refresh Token POST Request to the Token Endpoint https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_160855594402.html",
        verified: true,
      },
      {
        fact: "access and refresh tokens are JWTs with iss https://system.netsuite.com",
        source:
          "OAuth 2.0 Access and Refresh Token Structure https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_158255317571.html",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated. mcp must be requested alone. Scopes must be enabled on the integration record. openid/email belong to the 'NetSuite as OIDC provider' feature.",
    vars: {
      account_id:
        "NetSuite account ID in its host form: lower case, '_' replaced by '-' (1234567, 1234567-sb1, tstdrv1234567). Take it from Setup > Company > Company Information > Company URLs, not by construction.",
    },
  },
  discord: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "permissions is the bot permission bitmask used with the bot scope (Qore value 377957223496); only meaningful when 'bot' is requested. Token and revocation endpoints accept only application/x-www-form-urlencoded (JSON rejected). With bot+guilds the token response carries a guild object. Discord's RFC 8414 metadata declares authorization_response_iss_parameter_supported=true with issuer https://discord.com, so the relay requires and checks iss (RFC 9207). PKCE S256 is supported. The metadata's authorization endpoint is https://discord.com/api/oauth2/authorize; the entry uses the form Discord's guides show (https://discord.com/oauth2/authorize).",
    unverified: ["refresh token rotation", "allowed_params names"],
    sources: [
      {
        fact: "auth code grant, form-urlencoded only at token/revoke, scope list, approval-gated scopes",
        source: "docs.discord.com/developers/topics/oauth2 'OAuth2'",
        verified: true,
      },
      {
        fact: "bot scope adds bot to guild; user tokens short-lived and refreshed",
        source: "docs.discord.com/developers/platform/oauth2-and-permissions",
        verified: true,
      },
      {
        fact: "scopes space-delimited; token body client_id, client_secret, code, grant_type, redirect_uri; expires_in ~7 days",
        source: "gist Vap0r1ze/776b0f841ce01fc2b0801933b79960df (third-party)",
        verified: false,
      },
      {
        fact: "guild object in token response with bot scope",
        source: "discord-api-types RESTPostOAuth2AccessTokenWithBotAndGuildsScopeResult",
        verified: true,
      },
      {
        fact: "endpoint strings and permissions bitmask",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "issuer https://discord.com; authorization_endpoint https://discord.com/api/oauth2/authorize; token https://discord.com/api/oauth2/token; token auth client_secret_basic|client_secret_post|none; code_challenge_methods S256; authorization_response_iss_parameter_supported true",
        source:
          "Discord OAuth authorization server metadata https://discord.com/.well-known/oauth-authorization-server",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated. Some scopes need Discord approval (messages.read, rpc ...). bot adds the bot to a guild.",
  },
  hue: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "NON-STANDARD client authentication: the token endpoint answers 401 with a WWW-Authenticate Digest challenge; the documented secure method is HTTP Digest (MD5 of clientId:realm:secret, method:path, nonce); HTTP Basic clientId:secret is also accepted but discouraged. node-hue-api sends code/grant_type as query parameters. The Qore module sends the secret in the body (probably not accepted). After a refresh the old tokens are no longer valid. Remote API app (AppId, ClientId, ClientSecret, callback URL) registered at developers.meethue.com.",
    unverified: [
      "authorize URL and its parameters",
      "whether body client_secret is accepted",
      "refresh rotation (library comment only)",
      "PKCE",
    ],
    sources: [
      {
        fact: "token URL /v2/oauth2/token, Digest or Basic client auth, rotation on refresh",
        source: "github peter-murray/node-hue-api src/api/http/RemoteApi.ts @30c4eb25 (third-party library)",
        verified: false,
      },
      {
        fact: "Remote API app registration (AppId, ClientId, ClientSecret, callback)",
        source: "docs.n8n.io credentials/philipshue (third-party)",
        verified: false,
      },
      {
        fact: "authorize URL",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
    ],
    scopesNote: "No scopes.",
  },
  servicenow: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "state is required on new (zbooted) instances (glide.oauth.state.parameter.required) and 'should not contain special characters' - a base64url/JWE state with '-', '_' or '.' may be rejected on some instances (test!). Custom domains and ServiceNow gov hosts are not covered by the template. Private clients use the secret, public clients PKCE.",
    unverified: [
      "refresh token lifetime (set per application registry)",
      "which characters count as 'special' in state",
      "scope values",
    ],
    sources: [
      {
        fact: "auth code grant, private clients secret / public clients PKCE",
        source:
          "Authorization code grant workflow https://www.servicenow.com/docs/r/zurich/platform-security/authentication/authorization-workflow.html",
        verified: true,
      },
      {
        fact: "state parameter requirement and character restriction; oauth_auth.do example",
        source:
          "Authorization code flow state parameter requirement (ServiceNow docs, raw github ServiceNow/ServiceNowDocs australia markdown)",
        verified: true,
      },
      {
        fact: "oauth_token.do token endpoint",
        source: "servicenow.com community developer-forum thread 1554984",
        verified: false,
      },
      {
        fact: "token endpoint <instance>.service-now.com/oauth_token.do; form-urlencoded only (JSON gives an error); refresh grant returns only a new access token (refresh token reused)",
        source:
          "OAuth tokens https://docs.servicenow.com/bundle/geneva-servicenow-platform/page/administer/security/reference/r_OAuthTokens.html ; OAuth API request parameters https://www.servicenow.com/docs/r/zurich/platform-security/authentication/r_OAuthAPIRequestParameters.html ; support.servicenow.com KB0964444",
        verified: true,
      },
    ],
    scopesNote:
      "Qore sends no scopes; ServiceNow OAuth scopes are configured per application registry (useraccount is the common default).",
    vars: {
      instance: "ServiceNow instance name (first label of <instance>.service-now.com).",
    },
  },
  github: {
    refresh: "none",
    pkce: "supported",
    notes:
      "Token response is application/x-www-form-urlencoded unless Accept: application/json is sent. OAuth-app tokens do not expire (refresh 'none'); GitHub Apps with expiring user tokens return refresh tokens (8 h access / 6 months refresh, rotating). redirect_uri must match the registered callback and cannot contain extra parameters. PKCE: S256 only, not required (since July 2025). GitHub Enterprise Server uses http(s)://HOSTNAME/login/oauth/... (not templated here).",
    unverified: ["HTTP Basic acceptance at token endpoint"],
    sources: [
      {
        fact: "web application flow, GET /login/oauth/authorize, params client_id, redirect_uri, login, scope, state, allow_signup",
        source: "docs.github.com authorizing-oauth-apps",
        verified: true,
      },
      {
        fact: "PKCE S256 supported, not required",
        source: "github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication",
        verified: true,
      },
      {
        fact: "form-encoded token response unless Accept: application/json",
        source: "github/developer.github.com commit e3df1f14 content/v3/oauth.md",
        verified: true,
      },
      {
        fact: "redirect_uri exact match, no additional parameters; state strongly recommended",
        source: "github/docs diff generating-a-user-access-token-for-a-github-app.md",
        verified: true,
      },
      {
        fact: "GitHub App expiring user tokens: 8 h access, 6 months refresh; a refresh returns a new refresh token and invalidates the used one",
        source:
          "Refreshing user access tokens https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens",
        verified: true,
      },
      {
        fact: "prompt=select_account forces the account picker",
        source: "https://github.blog/changelog/2024-06-07-account-picker-updates-for-oauth-and-github-app-sign-in/",
        verified: true,
      },
    ],
    scopesNote: "Space separated (OAuth apps). GitHub Apps ignore scopes (permissions come from the app registration).",
  },
  gitlab: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "Access tokens expire after 2 hours (since GitLab 15.0/May 2022). A refresh invalidates the old access AND refresh token (rotation; beware of concurrent refreshes). The documented refresh request includes redirect_uri and code_verifier. gitlab.com also lists self_rotate, mcp, mcp_orbit, read_service_ping, ai_workflows and user:* in scopes_supported; add them to an app's scopes.allow if needed.",
    unverified: ["issuer of self-managed instances (presumably the instance URL - not checked)"],
    sources: [
      {
        fact: "supported flows: auth code with PKCE (recommended), auth code, device grant; doorkeeper",
        source: "OAuth 2.0 identity provider API https://docs.gitlab.com/api/oauth2/",
        verified: true,
      },
      {
        fact: "refresh invalidates existing access_token and refresh_token",
        source:
          "gitlab.com/gitlab-org/gitlab/-/issues/372358 quoting docs.gitlab.com/ee/api/oauth2.html; gitlab-ce commit a86de290",
        verified: true,
      },
      {
        fact: "2-hour access tokens",
        source: "northflank.com blog 'Supporting Expiring OAuth Access Tokens for GitLab' (third-party)",
        verified: false,
      },
      {
        fact: "self-managed applications",
        source:
          "Configure GitLab as an OAuth 2.0 authentication identity provider docs.gitlab.com integration/oauth_provider",
        verified: true,
      },
      {
        fact: "issuer https://gitlab.com; scopes_supported; token_endpoint_auth_methods client_secret_basic, client_secret_post; response_modes query, fragment, form_post",
        source: "GitLab OIDC discovery https://gitlab.com/.well-known/openid-configuration",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated; scopes must be enabled on the registered application. Self-managed instances need their own application (client id/secret).",
    vars: {
      host: "GitLab host name (gitlab.com or a self-managed/Dedicated host, optional :port). Operators should additionally allow-list self-managed hosts (SSRF).",
    },
  },
  bitbucket: {
    refresh: "reusable",
    pkce: "undocumented",
    notes:
      "Bitbucket Cloud OAuth is NOT Atlassian 3LO (no audience, no offline_access, no cloudid). Consumers are created per workspace. If redirect_uri is sent it must start with the consumer's callback URL. Access tokens last 2 hours.",
    unverified: ["refresh token reuse", "PKCE", "body client_secret acceptance"],
    sources: [
      {
        fact: "authorize + access_token URLs; token exchange with -u client_id:secret and form body",
        source: "OAuth 2.0 https://developer.atlassian.com/cloud/bitbucket/oauth-2 (updated Jan 12 2026)",
        verified: true,
      },
      {
        fact: "consumer creation and callback URL rule",
        source: "Use OAuth on Bitbucket Cloud confluence.atlassian.com/bitbucket/oauth-on-bitbucket-238027431.html",
        verified: true,
      },
      {
        fact: "permissions on consumer become scopes; 2-hour tokens",
        source: "docs.unified.to skills/bitbucket-oauth-app (third-party)",
        verified: false,
      },
      {
        fact: "Bitbucket does not invalidate tokens on refresh (reusable)",
        source: "gitlab.com/gitlab-org/gitlab/-/issues/372358 (user comparison, third-party)",
        verified: false,
      },
    ],
    scopesNote:
      "No scope parameter: permissions are ticked on the OAuth consumer and become the token's scopes (Qore: requesting scopes is rejected).",
  },
  atlassian: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Add audience=api.atlassian.com and prompt=consent (Qore sends neither). The site (cloudid) is found after authorization with GET https://api.atlassian.com/oauth/token/accessible-resources. Atlassian asks integrators to ship one distributable 3LO app. Refresh tokens rotate (store the new one every time); offline_access is required to get one.",
    unverified: [
      "HTTP Basic acceptance",
      "readonly:/search: scope names",
      "form-encoded token body accepted (Atlassian's examples use a JSON body)",
    ],
    sources: [
      {
        fact: "authorize URL with audience=api.atlassian.com, space-separated scopes, state, response_type=code, prompt=consent",
        source:
          "OAuth 2.0 (3LO) apps https://developer.atlassian.com/cloud/jira/software/oauth-2-3lo-apps/ (also confluence/ and jira/platform/ variants)",
        verified: true,
      },
      {
        fact: "token endpoint https://auth.atlassian.com/oauth/token",
        source: "grokipedia 'OAuth 2.0 (3LO) apps' summary (third-party)",
        verified: false,
      },
      {
        fact: "rotating refresh tokens; offline_access needed; refresh body grant_type, client_id, client_secret, refresh_token",
        source:
          "Implementing the Refresh Token Flow https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens",
        verified: true,
      },
      {
        fact: "API only via https://api.atlassian.com/ex/{product}/{cloudid}",
        source: "mrrefactoring.github.io/confluence.js/guide/oauth2 (third-party)",
        verified: false,
      },
      {
        fact: "PKCE not documented for 3LO (no code_challenge / code_verifier in the 3LO pages)",
        source: "OAuth 2.0 (3LO) apps https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ (checked)",
        verified: true,
      },
    ],
    scopesNote:
      "Granular scopes (verb:object:confluence) and classic scopes (read:confluence-content.all ...). Space separated (%20).",
  },
  jira: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Add audience=api.atlassian.com and prompt=consent (Qore sends neither). The site (cloudid) is found after authorization with GET https://api.atlassian.com/oauth/token/accessible-resources. Atlassian asks integrators to ship one distributable 3LO app. Refresh tokens rotate (store the new one every time); offline_access is required to get one. API base https://api.atlassian.com/ex/jira/{cloudid}/rest/api/3/...",
    unverified: [
      "default scope set (Qorus module-v8 Jira app not read)",
      "service-management / software granular scope names",
      "form-encoded token body accepted (Atlassian's examples use a JSON body)",
    ],
    sources: [
      {
        fact: "authorize URL with audience=api.atlassian.com, space-separated scopes, state, response_type=code, prompt=consent",
        source:
          "OAuth 2.0 (3LO) apps https://developer.atlassian.com/cloud/jira/software/oauth-2-3lo-apps/ (also confluence/ and jira/platform/ variants)",
        verified: true,
      },
      {
        fact: "token endpoint https://auth.atlassian.com/oauth/token",
        source: "grokipedia 'OAuth 2.0 (3LO) apps' summary (third-party)",
        verified: false,
      },
      {
        fact: "rotating refresh tokens; offline_access needed; refresh body grant_type, client_id, client_secret, refresh_token",
        source:
          "Implementing the Refresh Token Flow https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens",
        verified: true,
      },
      {
        fact: "API only via https://api.atlassian.com/ex/{product}/{cloudid}",
        source: "mrrefactoring.github.io/confluence.js/guide/oauth2 (third-party)",
        verified: false,
      },
      {
        fact: "classic scopes read:jira-work / write:jira-work",
        source: "grokipedia OAuth 2.0 (3LO) apps (third-party)",
        verified: false,
      },
      {
        fact: "PKCE not documented for 3LO (no code_challenge / code_verifier in the 3LO pages)",
        source: "OAuth 2.0 (3LO) apps https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ (checked)",
        verified: true,
      },
    ],
    scopesNote:
      "Same OAuth as Confluence with Jira scopes. Classic (read:jira-work ...) or granular (read:issue:jira ...). Space separated.",
  },
  xero: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "After auth, GET https://api.xero.com/connections lists tenants (tenantId -> Xero-Tenant-Id header). Access tokens 30 min; unused refresh tokens expire after 60 days; every refresh returns a new refresh token, the previous one stays usable for a 30-minute grace period. Up to 50 redirect URIs, no wildcards. PKCE ('Auth Code with PKCE' app type, no secret); SPAs not supported. Qore sends the secret in the body. Apps created on or after 2 March 2026 cannot request the broad accounting.transactions and accounting.reports.read, so the default scopes are the granular ones (accounting.invoices, accounting.payments, accounting.banktransactions, accounting.manualjournals); request report scopes (accounting.reports.<report>.read) explicitly; accounting.* allows them.",
    unverified: [
      "HTTP Basic requirement (third-party only; Xero's OpenAPI identity spec lists client_id/client_secret as body fields)",
      "issuer (https://identity.xero.com)",
    ],
    sources: [
      {
        fact: "50 redirect URIs, RT 60 days, replace RT each refresh, 30 min grace, AT 30 min, PKCE",
        source: "Xero FAQ OAuth 2.0 https://developer.xero.com/faq/oauth2",
        verified: true,
      },
      {
        fact: "PKCE flow authorize URL with code_challenge_method=S256",
        source: "https://developer.xero.com/documentation/oauth2/pkce-flow",
        verified: true,
      },
      {
        fact: "token endpoint with Authorization: Basic base64(client_id:client_secret)",
        source: "skillmd.ai xero skill / waymark (third-party)",
        verified: false,
      },
      {
        fact: "connections endpoint / Xero-Tenant-Id",
        source: "mcp.waymark.network xero recipe (third-party)",
        verified: false,
      },
      {
        fact: "apps created on or after 2 March 2026 use granular scopes only (accounting.transactions and accounting.reports.read unavailable); older apps migrate by September 2027",
        source: "Granular Scopes FAQ https://developer.xero.com/faq/granular-scopes",
        verified: true,
      },
      {
        fact: "refresh request schema has client_id and client_secret body fields",
        source: "XeroAPI/Xero-OpenAPI xero-identity.yaml RefreshToken schema (schemas.apis.io copy)",
        verified: false,
      },
    ],
    scopesNote:
      "Space separated; offline_access for refresh tokens. Note Xero is moving to granular accounting scopes (accounting.invoices etc.) - covered by accounting.*.",
  },
  linkedin: {
    refresh: "none",
    pkce: "undocumented",
    notes:
      "Refresh tokens only for approved Marketing Developer Platform partners (programmatic refresh tokens): access token 60 days, refresh token 365 days fixed TTL (not extended by refreshing). Otherwise re-authorize about every 60 days (Qore sets oauth2_auto_refresh=False). Redirect URLs must be absolute, query parameters are ignored for matching and '#' is not allowed.",
    unverified: [
      "whether token_type is present in the token response",
      "PKCE (LinkedIn documents PKCE only for native apps - not checked)",
      "client auth in body vs Basic",
    ],
    sources: [
      {
        fact: "programmatic refresh tokens for approved partners; 60-day AT, 365-day RT fixed TTL",
        source: "https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens",
        verified: true,
      },
      {
        fact: "authorization code flow endpoint and scope rules",
        source:
          "https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow ; CSDN translation of the same page",
        verified: true,
      },
      {
        fact: "token endpoint https://www.linkedin.com/oauth/v2/accessToken",
        source: "kestra.io plugin io.kestra.plugin.linkedin.OAuth2 default (third-party)",
        verified: false,
      },
    ],
    scopesNote:
      "Space separated, URL-encoded. Scopes are tied to the Products enabled for the app. Changing the requested scope set forces users to re-consent.",
    scopeSets: {
      member: ["openid", "profile", "email", "w_member_social"],
      dma: ["r_dma_admin_pages_content"],
    },
  },
  intercom: {
    refresh: "none",
    pkce: "undocumented",
    notes:
      "Authorize takes client_id, state (recommended) and optional redirect_uri (first registered URL is the default). Redirect URLs must be HTTPS. Code expires after ~5 minutes. Access tokens do not expire; no refresh token. Current docs use https://app.intercom.com/oauth; older docs and the oauth-setup-tutorial repo use https://app.intercom.io/oauth. Token response: token_type (always Bearer), token, access_token (duplicate). EU/AU API hosts exist; the OAuth endpoints are the same.",
    unverified: ["PKCE", "non-expiring tokens / no refresh (third-party only)"],
    sources: [
      {
        fact: "authorize at app.intercom.io/oauth, token POST https://api.intercom.io/auth/eagle/token with code, client_id, client_secret, code ~5 min",
        source: "Using OAuth https://intercom-developer-hub.readme.io/reference/using-oauth (older official hub)",
        verified: true,
      },
      {
        fact: "authorize https://app.intercom.com/oauth?client_id&state; token POST https://api.intercom.io/auth/eagle/token (code, client_id, client_secret in the body); response token_type 'Bearer' (always), token, access_token",
        source:
          "Setting up OAuth https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth",
        verified: true,
      },
      {
        fact: "Use OAuth, HTTPS redirect URLs, multiple URLs, permissions on the app",
        source: "Setting up OAuth https://developers.intercom.com/building-apps/docs/setting-up-oauth",
        verified: true,
      },
      {
        fact: "tokens do not expire, no refresh token",
        source: "nango.dev intercom guide (third-party)",
        verified: false,
      },
      {
        fact: "authorize takes only client_id and state; regional hosting",
        source: "docs.unified.to intercom-oauth-app (third-party)",
        verified: false,
      },
    ],
    scopesNote:
      "No scope parameter; permissions are selected on the app in the Developer Hub (reviewed on app review).",
  },
  stripe: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Stripe Apps: manifest stripe_api_access_type=oauth, distribution_type=public, allowed_redirect_uris (first is default). Live and test mode have separate install links. The 'client secret' is the platform's secret API key (Stripe docs show it as HTTP Basic user, Qore puts it in the body). Legacy Connect OAuth (connect.stripe.com/oauth/authorize) is closed for new data integrations.",
    unverified: [
      "token request client auth (Basic secret key vs body)",
      "refresh token rotation/lifetime",
      "token response field names",
      "exact authorize path",
      "whether token_type is present in the token response",
      "PKCE on Stripe's own authorize endpoint (not documented)",
    ],
    sources: [
      {
        fact: "Stripe Apps OAuth setup, allowed_redirect_uris, live/test links, state for CSRF",
        source: "OAuth 2.0 https://docs.stripe.com/stripe-apps/api-authentication/oauth",
        verified: true,
      },
      {
        fact: "PKCE: docs.stripe.com/stripe-apps/pkce-oauth-flow is about a Stripe App acting as a PKCE client of a third-party provider, not about Stripe's own authorize endpoint",
        source: "Add authorization flows https://docs.stripe.com/stripe-apps/pkce-oauth-flow",
        verified: true,
      },
      {
        fact: "secret key used as client secret (legacy Connect)",
        source: "docs.allauth.org Stripe provider (third-party)",
        verified: false,
      },
      {
        fact: "endpoints",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
    ],
    scopesNote: "Permissions come from the app manifest; the install link/authorize URL carries no granular scopes.",
  },
  zoho: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "Callback carries location (us, eu, in, au, jp, ca, sa, uk, cn) and accounts-server; the token request must go to that DC's accounts server and the token response's api_domain (https://www.zohoapis.<dc>) is the API base - forward it. Client id is common to all DCs; the secret can be common or per DC; Multi-DC must be enabled in the API console. access_type=offline gives a refresh token only on the first consent unless prompt=consent is also sent. Codes are valid 2 minutes, single use. Canada is accounts.zohocloud.ca (the Qore module also allows accounts.zoho.ca - not documented, excluded).",
    unverified: [
      "Inventory / Invoice / CRM default scope names",
      "PKCE for server-based (confidential) clients - documented only for mobile/desktop apps",
    ],
    sources: [
      {
        fact: "DC accounts servers incl. zohocloud.ca, sa, uk; client id common",
        source: "Multi DC support https://zoho.com/accounts/protocol/oauth/multi-dc.html",
        verified: true,
      },
      {
        fact: "callback location + accounts-server, token to DC server, api_domain in token response",
        source: "https://www.zoho.com/accounts/protocol/oauth/multi-dc/client-authorization.html",
        verified: true,
      },
      {
        fact: "authorize params, access_type offline|online, prompt=consent, code 2 minutes",
        source: "Authorization Request https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html",
        verified: true,
      },
      {
        fact: "CN DC accounts.zoho.com.cn, api domains www.zohoapis.*",
        source: "Bigin Multi-DC https://www.bigin.com/developer/docs/apis/multi-dc.html ; Zoho CRM Multi DC",
        verified: true,
      },
      {
        fact: "comma-separated scopes",
        source: "qorus-oauth2-providers.md cross-check of Zoho docs (docs corpus)",
        verified: true,
      },
      {
        fact: "refresh grant returns access_token, api_domain, token_type Bearer, expires_in - no new refresh token (reusable); max 20 refresh tokens per user",
        source:
          "Refresh access token https://zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html ; Zoho FSM / PDF Editor API refresh pages",
        verified: true,
      },
      {
        fact: "multiple scopes separated by comma",
        source: "Zoho Directory API OAuth https://www.zoho.com/directory/api/v2/oauth/",
        verified: true,
      },
      {
        fact: "PKCE: code_challenge, code_challenge_method S256|plain",
        source:
          "Mobile-based Applications https://zoho.com/accounts/protocol/oauth/mobile-applications.html ; mobile-and-desktop-apps/get-authorization-code.html",
        verified: true,
      },
    ],
    scopesNote:
      "DECISION: one OAuth entry 'zoho' (same accounts server, same client for all products) with per-product scope sets in scope_sets. Zoho docs say multiple scopes are comma separated - the Qore module uses space (conflict, preset uses ','). Books set from the Qore module; inventory/invoice/crm sets are not from Qore (modules not read) and unverified.",
    vars: {
      accounts_host:
        "Zoho Accounts server of the user's data centre: accounts.zoho.com (US), .eu, .in, .com.au, .jp, .uk, .sa, accounts.zohocloud.ca (CA), accounts.zoho.com.cn (CN). Start authorization at accounts.zoho.com (CN: .com.cn); use the accounts-server returned in the callback for the token request after checking it against this pattern.",
    },
    scopeSets: {
      books: [
        "ZohoBooks.invoices.ALL",
        "ZohoBooks.bills.ALL",
        "ZohoBooks.customerpayments.ALL",
        "ZohoBooks.contacts.ALL",
        "ZohoBooks.expenses.ALL",
        "ZohoBooks.salesorders.ALL",
        "ZohoBooks.estimates.ALL",
        "ZohoBooks.purchaseorders.ALL",
        "ZohoBooks.settings.ALL",
      ],
      inventory: ["ZohoInventory.FullAccess.all"],
      invoice: ["ZohoInvoice.fullaccess.all"],
      crm: ["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL", "ZohoCRM.users.READ"],
    },
  },
  square: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "NON-STANDARD: ObtainToken takes a JSON body {client_id, client_secret, code, grant_type, redirect_uri?, code_verifier?} (send Square-Version header). Response has expires_at (ISO 8601) instead of expires_in, token_type 'bearer'. Code flow: refresh returns the SAME refresh token (reusable, does not expire); PKCE flow: a new refresh token each time (rotating). Access tokens expire after 30 days; Square recommends refreshing every 7 days. Codes expire after 5 minutes. HTTPS redirect required (http://localhost allowed in sandbox). Callback may append response_type=code and '#_=_'. Qore has no sandbox option (sandbox host added here).",
    unverified: [],
    sources: [
      {
        fact: "ObtainToken: code flow vs PKCE flow params; same RT returned (code flow), new RT (PKCE flow)",
        source: "Obtain token https://developer.squareup.com/reference/square/o-auth/obtain-token",
        verified: true,
      },
      {
        fact: "HTTPS redirect, codes 5 min single use, access tokens 30 days",
        source: "OAuth API overview https://developer.squareup.com/docs/oauth-api/overview",
        verified: true,
      },
      {
        fact: "token_type always bearer, expires_at, merchant_id",
        source: "ObtainTokenResponse https://developer.squareup.com/reference/square/objects/ObtainTokenResponse",
        verified: true,
      },
      {
        fact: "JSON request body example, authorize params incl. session=False, callback #_=_",
        source: "airbytehq/airbyte issue #7080 (third-party)",
        verified: false,
      },
      {
        fact: "renew every 7 days",
        source: "developer.squareup.com/docs/oauth-api/refresh-revoke-limit-scope",
        verified: true,
      },
      {
        fact: "authorize params client_id, scope, locale, session (no effect in Sandbox), state, code_challenge, redirect_uri",
        source: "Authorize https://developer.squareup.com/reference/square/o-auth/authorize",
        verified: true,
      },
      {
        fact: "sandbox host connect.squareupsandbox.com; ObtainToken with a JSON body",
        source:
          "Square developer forums (Square staff) developer.squareup.com/forums/t/what-is-the-oauth2-authorize-url/183 and /t/not-authorized-for-oauth-in-sandbox/15379",
        verified: true,
      },
    ],
    scopesNote:
      "Upper-case permission names, space (or '+') separated in the authorize URL; the token request can narrow them with a 'scopes' array.",
    vars: {
      host: "connect.squareup.com (production) or connect.squareupsandbox.com (sandbox).",
    },
  },
  squarespace: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Authorize parameter values must be URL-encoded. access_type=offline is needed for a refresh token (Qore also sends prompt=consent, not documented). Qore: access token 30 min, refresh token 7 days rolling (each refresh returns a new one). New apps start in Demo Mode until a production review (self-service credentials since July 2026).",
    unverified: [
      "HTTP Basic client auth",
      "token lifetimes and rolling refresh",
      "PKCE (third-party alterauth claims support)",
      "token response extra field names",
      "website_id param",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "authorize endpoint, URL-encoded parameter values, client registration",
        source: "Accessing Squarespace APIs using OAuth 2.0 https://developers.squarespace.com/oauth",
        verified: true,
      },
      {
        fact: "params client_id, redirect_uri, scope list, state, access_type=offline; POST .../tokens",
        source: "api2cart FAQ 'How to connect Squarespace to API2Cart' (third-party)",
        verified: false,
      },
      {
        fact: "self-service credentials, Demo Mode",
        source: "developers.squarespace.com/changes/self-service-oauth-credential-management",
        verified: true,
      },
      {
        fact: "Basic auth, 30 min / 7-day rolling tokens, comma separator",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
    ],
    scopesNote: "Comma separated (Qore sets ',' - the only module that does).",
  },
  constantcontact: {
    refresh: "optional-rotation",
    pkce: "supported",
    notes:
      "Token calls authenticate with Authorization: Basic base64(client_id:client_secret) - the Qore module puts the secret in the body (conflict; relay should use Basic). Authorization codes live 5 minutes, single use. Access tokens are JWTs. Refresh token type is an app setting: rotating or long-lived. Qore's access_type/prompt args are Google leftovers (not documented).",
    unverified: ["rotating/long-lived refresh setting (third-party)"],
    sources: [
      {
        fact: "Basic base64(client_id:secret) for calls to the Authorization Server",
        source: "OAuth2 Overview https://v3.developer.constantcontact.com/api_guide/auth_overview.html",
        verified: true,
      },
      {
        fact: "authorization code flow, access + refresh tokens",
        source: "OAuth2 Authorization Code Flow https://developer.constantcontact.com/api_guide/server_flow.html",
        verified: true,
      },
      {
        fact: "PKCE flow",
        source: "https://developer.constantcontact.com/api_guide/pkce_flow.html",
        verified: true,
      },
      {
        fact: "offline_access required for refresh tokens; code 5 minutes",
        source: "community.constantcontact.com API support answers",
        verified: true,
      },
      {
        fact: "rotating vs long-lived refresh token app setting",
        source: "nango.dev constant-contact guide (third-party)",
        verified: false,
      },
    ],
    scopesNote: "offline_access is required for refresh tokens. Space ('+') separated.",
  },
  keap: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Redirect URI must be HTTPS. Token request form-encoded. Access token 24 h, refresh token 45 days; each refresh returns a new access/refresh pair (rotation required). Alternate authorize host https://signin.infusionsoft.com/app/oauth/authorize appears in the REST reference. Keap's documented refresh request uses HTTP Basic client auth while the code exchange sends the secret in the body; the entry uses body auth for both (unverified for refresh: if refreshes fail with invalid_client, describe Keap as an operator-described server with client_secret_basic). Refresh token lifetime: 45 or 180 days (staff answers differ).",
    unverified: ["client auth for the refresh grant (Basic vs body)", "PKCE"],
    sources: [
      {
        fact: "authorize URL, params, scope=full only, HTTPS redirect, refresh requires rotation, token POST form-encoded",
        source: "Getting Started with OAuth2 https://developer.keap.com/getting-started-oauth-keys/",
        verified: true,
      },
      {
        fact: "24 h access / 45 day refresh tokens, new RT each refresh",
        source: "community.keap.com 'How to get access token' (Keap staff)",
        verified: true,
      },
      {
        fact: "signin.infusionsoft.com authorize host",
        source: "https://developer.infusionsoft.com/docs/rest/",
        verified: true,
      },
      {
        fact: "code exchange: POST https://api.infusionsoft.com/token, form-urlencoded, client_id and client_secret in the body",
        source: "OAuth2 Authentication https://developer.infusionsoft.com/authentication",
        verified: true,
      },
      {
        fact: "refresh grant authenticates with Authorization: Basic base64(CLIENT_ID:CLIENT_SECRET)",
        source: "integration.keap.com/t/api-key-refresh/16256 (quotes Keap's refresh step)",
        verified: false,
      },
      {
        fact: "refresh token 180 days, new pair on each refresh",
        source: "community.keap.com/t/rest-api-connection/43545 (Keap staff; conflicts with the 45 days above)",
        verified: false,
      },
    ],
    scopesNote: "scope=full is the only valid value.",
  },
  gohighlevel: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Token request body: client_id, client_secret, grant_type, code, user_type (Location|Company), redirect_uri; refresh also needs user_type. Forward locationId/companyId/userType. The Qore module appends version_id (= client_id prefix before the first '-') and Google's access_type/prompt; the official SDK sends neither - version_id kept as an allowed param. Refresh tokens are single-use (Qore).",
    unverified: ["refresh rotation", "version_id requirement", "PKCE"],
    sources: [
      {
        fact: "authorize URL chooselocation with client_id, redirect_uri, scope, response_type",
        source: "@gohighlevel/api-client@2.0.0 dist/lib/code/oauth/oauth.js (official SDK, unpkg)",
        verified: true,
      },
      {
        fact: "token request/response fields incl. locationId, companyId, userType",
        source: "@gohighlevel/api-client models/oauth.d.ts (official SDK)",
        verified: true,
      },
      {
        fact: "token endpoint, single-use refresh tokens, version_id",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "token endpoint POST https://services.leadconnectorhq.com/oauth/token (server), request body application/x-www-form-urlencoded (client_id, client_secret, grant_type, code/refresh_token, user_type, redirect_uri); response has token_type Bearer",
        source:
          "HighLevel official OpenAPI spec oauth/oauth.json https://github.com/GoHighLevel/highlevel-api-docs/blob/main/oauth/oauth.json ; official SDK lib/code/oauth/oauth.ts https://github.com/GoHighLevel/highlevel-api-sdk",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated; names like resource.readonly / resource/sub.write. Scopes must be enabled on the Marketplace app.",
  },
  gorgias: {
    refresh: "reusable",
    pkce: "undocumented",
    notes:
      "Public apps must use OAuth2. Install starts at the app URL with ?account=<subdomain>. Access tokens last 24 h; refresh tokens do not expire. Qore sends Google's access_type/prompt (not documented) and uses Basic client auth.",
    unverified: ["HTTP Basic client auth", "refresh token not rotated", "PKCE"],
    sources: [
      {
        fact: "authorize URL https://{subdomain}.gorgias.com/oauth/authorize, 24 h access token, refresh token without expiry",
        source:
          "OAuth2 authentication for creating apps with Gorgias https://developers.gorgias.com/docs/oauth2-authentication-for-creating-apps-with-gorgias",
        verified: true,
      },
      {
        fact: "install URL ?account=acme",
        source: "3. Set up OAuth2 https://developers.gorgias.com/docs/set-up-oauth2-app-store",
        verified: true,
      },
      {
        fact: "scopes openid, email, profile, offline, write:all",
        source: "OAuth2 Scopes https://developers.gorgias.com/v1.1/docs/oauth2-scopes",
        verified: true,
      },
      {
        fact: "granular tickets:read etc.",
        source: "composio.dev/auth/gorgias (third-party)",
        verified: false,
      },
      {
        fact: "token endpoint, Basic client auth",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
    ],
    scopesNote:
      "Space separated. 'offline' (not offline_access) is required for a refresh token. Older docs: only write:all; granular resource:read|write scopes now exist.",
    vars: {
      subdomain: "Gorgias account subdomain (the 'account' query parameter Gorgias passes to the app's install URL).",
    },
  },
  close: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Trailing slashes are part of both URLs. Redirect URL must be https. The user picks the organization on the consent screen; decline returns error=access_denied. Token exchange is a form-encoded POST with client_id and client_secret in the body.",
    unverified: [
      "refresh token rotation/lifetime",
      "token response extra fields",
      "PKCE",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "authorize and token URLs, form-encoded token request with client_id/client_secret",
        source: "Authentication with OAuth https://developer.close.com/api/overview/oauth-authentication",
        verified: true,
      },
      {
        fact: "HTTPS redirect, all apps get all.full_access offline_access",
        source: "Creating an OAuth App https://developer.close.com/integrations/create-an-oauth-app",
        verified: true,
      },
    ],
    scopesNote: "Every OAuth app is granted all.full_access offline_access.",
  },
  bitly: {
    refresh: "none",
    pkce: "undocumented",
    notes:
      "Authorize takes client_id, redirect_uri and optional state (returned unchanged). Token reply may be form-encoded (send Accept: application/json). No refresh tokens documented (Qore). Qore's access_type/prompt args are not documented by Bitly.",
    unverified: [
      "token lifetime / no refresh",
      "token response field names",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "OAuth web flow: https://bitly.com/oauth/authorize with client_id, redirect_uri, state",
        source: "Authentication https://dev.bitly.com/authentication.html",
        verified: true,
      },
      {
        fact: "token endpoint https://api-ssl.bitly.com/oauth/access_token",
        source: "Lusitanian/PHPoAuthLib Bitly.php; rubydoc bitly gem (third-party)",
        verified: false,
      },
      {
        fact: "form-encoded response; no refresh",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "token POST https://api-ssl.bitly.com/oauth/access_token, form body client_id, client_secret, code, redirect_uri; response Content-Type application/x-www-form-urlencoded",
        source:
          "Bitly Authentication (dev.bitly.com, archived 1 Jul 2015) https://archive.md/teD4Z ; current page https://dev.bitly.com/docs/getting-started/authentication names the same /oauth/access_token endpoint",
        verified: true,
      },
    ],
    scopesNote: "No scopes.",
  },
  apollo: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "The authorization URL is a single-page-app route: the query must follow the '#' fragment (https://app.apollo.io/#/oauth/authorize?client_id=...). Do not build it with a URL class that moves the query before '#'. Apps are registered inside an Apollo account (Settings > Integrations > API Keys > OAuth registration) and approved by Apollo; max 4 redirect URLs. End users need the 'Can authorize third-party apps/integrations via OAuth' permission. A separate MCP server (mcp.apollo.io) supports PKCE/DCR - not this endpoint.",
    unverified: [
      "refresh rotation and token lifetimes",
      "token response fields",
      "client auth method",
      "full scope list",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "OAuth 2.0 (Partners): auth code grant, user permission requirement",
        source:
          "https://docs.apollo.io/docs/use-oauth-20-authorization-flow-to-access-apollo-user-information-partners (updated 2026-07-21)",
        verified: true,
      },
      {
        fact: "authorizationUrl https://app.apollo.io/#/oauth/authorize, tokenUrl https://app.apollo.io/api/v1/oauth/token, auto scopes",
        source: "api-evangelist/apollo-io scopes/apollo-io-scopes.yml (third-party, probed)",
        verified: false,
      },
      {
        fact: "registration inside Apollo, 4 redirect URL cap, hash-routed authorize URL, 30-day/refresh hints",
        source: "docs.unified.to apollo-oauth-app (third-party)",
        verified: false,
      },
    ],
    scopesNote:
      "Scopes are chosen at app registration and locked in; read_user_profile and app_scopes are added automatically. The Qore module lists 26 scopes (read_user_profile app_scopes contact_read ... users_list) - not reproduced here (not re-read).",
  },
  kit: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "Install starts at the app's Authorization URL with ?redirect=https://app.kit.com/apps/... which the app must send the user back to at the end. redirect_uri must be one of the Redirect URIs on the Distribution tab. Web servers use the refresh-token flow, SPAs/mobile the PKCE flow. Qore's access_type/prompt args are not documented.",
    unverified: ['scope=public (the token response example shows scope "public"; sending it is not documented)'],
    sources: [
      {
        fact: "OAuth 2.0 auth code; refresh token flow for servers, PKCE for SPAs; Authorization URL with redirect param",
        source: "API Authentication https://developers.kit.com/api-reference/authentication",
        verified: true,
      },
      {
        fact: "authorize https://api.kit.com/v4/oauth/authorize params",
        source: "OAuth refresh token flow https://developers.kit.com/api-reference/oauth-refresh-token-flow",
        verified: true,
      },
      {
        fact: "PKCE S256",
        source: "https://developers.kit.com/api-reference/oauth-proof-key-for-code-exchange-flow",
        verified: true,
      },
      {
        fact: "token endpoint POST https://api.kit.com/v4/oauth/token for code and refresh; response has token_type Bearer (required), scope public; a refresh returns a new refresh_token",
        source:
          "Proof Key for Code Exchange (PKCE) flow https://developers.kit.com/api-reference/oauth-proof-key-for-code-exchange-flow",
        verified: true,
      },
      {
        fact: "token endpoint, scope public",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
    ],
    scopesNote:
      "Qore sends scope=public; Kit's authorize documentation lists client_id, response_type, redirect_uri, state (scope not shown).",
  },
  shippo: {
    refresh: "none",
    pkce: "undocumented",
    notes:
      "OAuth credentials (client_id = partner ID) are issued by Shippo sales/partnerships; callback URL = site URL + /shippo-oauth-redirect/. utm_source is an ID provided by Shippo. The token step returns the user's account/token; Shippo tokens never expire (Shippo docs). CONFLICT: Qore sends no scope; docs require scope=* (preset uses '*'). Token endpoint: the entry follows Shippo's own OAuth demo (goshippo/shippo-demos-oauth), which POSTs the code exchange as JSON (client_id, client_secret, code, grant_type=authorization_code) to https://goshippo.com/oauth/access_token; the Qore module uses https://api.goshippo.com/oauth/token, which no Shippo page or code seen for this entry shows. If an exchange answers 404, that URL is the one to try (a generic server in APPS).",
    unverified: [
      "token endpoint URL in Shippo's docs (the docs page's token step was not readable; the entry follows Shippo's demo)",
      "whether the token endpoint also accepts a form-encoded body (the demo sends JSON)",
      "token response fields",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "authorize URL with response_type=code, client_id, scope=*, state, utm_source; partner registration; callback path",
        source: "OAuth https://goshippo.com/docs/oauth/ and https://docs.goshippo.com/docs/OAuth_Integrations/OAuth",
        verified: true,
      },
      {
        fact: "token endpoint, non-expiring tokens",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "OAuth access_token never expires (so no refresh)",
        source: "Test an OAuth integration with a JWT https://docs.goshippo.com/o-auth-integrations/testing-with-jwt",
        verified: true,
      },
      {
        fact: "token endpoint https://goshippo.com/oauth/access_token, JSON body, client_id and client_secret in the body",
        source: "Shippo OAuth demo javascript/index.js @53a47f6 https://github.com/goshippo/shippo-demos-oauth",
        verified: true,
      },
    ],
    scopesNote:
      "scope=* is the only supported scope (full API access). The literal '*' is written '\\*' in allowed_scopes because '*' is the relay wildcard.",
  },
  smartsheet: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "NON-STANDARD client auth option: instead of client_secret the token request may send hash=SHA-256(app_secret + '|' + code) (refresh: SHA-256(app_secret + '|' + refresh_token)); plain client_secret is also accepted, so a standard relay can use client_secret_post. Body must be form-encoded (query params fail). redirect_url is deprecated. expires_in is 604799 (7 days). Gov and EU use separate tokens/apps. App registration needs Developer Tools enabled on the account. Qore's access_type/prompt are not documented.",
    unverified: [
      "app.smartsheet.eu/.au and app.smartsheetgov.com authorize hosts (API/token hosts verified)",
      "refresh rotation",
      "PKCE",
      "scope separator",
    ],
    sources: [
      {
        fact: "POST /token: client_id, grant_type, code/refresh_token, client_secret OR hash=SHA_256(app_secret|code); form-urlencoded; expires_in 604799",
        source:
          "Gets or refreshes an access token https://developers.smartsheet.com/api/smartsheet/openapi/tokens/tokens-getorrefresh ; smartsheet.redoc.ly/tag/token",
        verified: true,
      },
      {
        fact: "Gov and Europe use separate tokens; OAuth walkthrough; Developer Tools registration",
        source:
          "developers.smartsheet.com/api/smartsheet/guides/basics/authentication.md ; guides/advanced-topics/oauth.md",
        verified: true,
      },
      {
        fact: "hash needs '|' and form body",
        source: "stackoverflow mirror example-a.com/answer/43576594 (third-party)",
        verified: false,
      },
      {
        fact: "regional authorize/token hosts",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "API hosts api.smartsheet.com, api.smartsheetgov.com, api.smartsheet.eu, api.smartsheet.au (base path /2.0)",
        source: "Base URL https://developers.smartsheet.com/api/smartsheet/guides/basics/base-url",
        verified: true,
      },
    ],
    scopesNote: "Upper-case scopes, space separated (Qore).",
    vars: {
      domain:
        "Smartsheet region domain: smartsheet.com (US), smartsheet.eu (EU), smartsheet.au (AU), smartsheetgov.com (Gov). Tokens are region-specific.",
    },
  },
  unbounce: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Authorization code grant with refresh tokens; access tokens are JWT bearer tokens, lifetime 600 s (Qore). API needs Accept: application/vnd.unbounce.api.v0.4+json. API access must be requested. PKCE is documented only for the separate MCP server (mcp.unbounce.com). Qore's access_type/prompt are not documented.",
    unverified: [
      "all endpoint facts (only copies of developer.unbounce.com/getting_started seen)",
      "scope 'full'",
      "client auth",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "REST API auth code grant with refresh tokens at https://api.unbounce.com/oauth/authorize and /oauth/token; JWT bearer",
        source:
          "api-evangelist/unbounce conformance/unbounce-conformance.yml (third-party, from developer.unbounce.com/getting_started)",
        verified: false,
      },
      {
        fact: "OAuth vs API key; API access request form; vnd accept header",
        source: "Unbounce API RAML v0.4 (api-evangelist copy of developer.unbounce.com/raml/v0.4/api.raml)",
        verified: false,
      },
      {
        fact: "scope full, 600 s token",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "JWT access tokens expire every 10 minutes; refresh tokens are one-time use, each refresh invalidates the old one and issues a new one",
        source:
          "OAuth Token Changes (Unbounce staff, 9 March 2022) https://community.unbounce.com/api-developer-forums-10/oauth-token-changes-6360",
        verified: true,
      },
      {
        fact: "authorize https://api.unbounce.com/oauth/authorize?response_type=code&client_id&redirect_uri; token POST https://api.unbounce.com/oauth/token with grant_type, client_id, client_secret, code, redirect_uri; response token_type bearer, expires_in 600, refresh_token, scope full",
        source:
          "verbatim copy of developer.unbounce.com/getting_started in a third-party GitHub repo (not the provider's page)",
        verified: false,
      },
    ],
  },
  freshbooks: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Refresh tokens are one-time use (rotation). After auth, account_id / business_id are looked up via GET https://api.freshbooks.com/auth/api/v1/users/me. Authorize host: FreshBooks' guide gives the app's authorization URL as https://auth.freshbooks.com/oauth/authorize/?response_type=code&redirect_uri=...&client_id=... and the official Node SDK's API client uses https://auth.freshbooks.com/oauth/authorize (no trailing slash); the older my.freshbooks.com/service/auth/oauth/authorize (Postman examples, the SDK's Passport strategy package) also appears to work. Free accounts can create apps, no review.",
    unverified: ["PKCE", "scope parameter behaviour (the official SDK sends an optional space-separated scope)"],
    sources: [
      {
        fact: "token https://api.freshbooks.com/auth/oauth/token, revoke, authorize my.freshbooks.com/service/auth/oauth/authorize",
        source: "gist reece/36ecf539 (cites freshbooks.com/api/start) ; glama freshbooks-mcp oauth.ts (third-party)",
        verified: false,
      },
      {
        fact: "rotating one-time refresh tokens, portal scopes user:<object>:<action>, users/me identity",
        source: "docs.unified.to freshbooks-oauth-app (third-party)",
        verified: false,
      },
      {
        fact: "no review, free account",
        source: "NangoHQ/nango PR #3747 (third-party)",
        verified: false,
      },
      {
        fact: "auth.freshbooks.com authorize URL",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "authorization URL https://auth.freshbooks.com/oauth/authorize/?response_type=code&redirect_uri&client_id; access token 12 h; refresh token never expires but is one-time use, each refresh returns a new one",
        source:
          "Get Authenticated On The FreshBooks API https://www.freshbooks.com/api/get-authenticated-on-the-freshbooks-api",
        verified: true,
      },
      {
        fact: "authorize https://auth.freshbooks.com/oauth/authorize (client_id, response_type=code, redirect_uri, optional scope); token https://api.freshbooks.com/auth/oauth/token with client_id/client_secret in the body",
        source:
          "official FreshBooks Node SDK packages/api/src/APIClient.ts @91cfeee https://github.com/freshbooks/freshbooks-nodejs-sdk",
        verified: true,
      },
    ],
    scopesNote:
      "Qore sends none (scopes are selected on the app in the developer portal, names user:<object>:<action>).",
  },
  linear: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "Apps created since Oct 1 2025 get refresh tokens; all apps were migrated to refresh tokens on April 1 2026 (24 h access tokens, rotating refresh tokens per third-party). actor=app makes the app the actor. Create the app in a dedicated workspace (all admins can see it). GraphQL API; API-key mode sends the key without 'Bearer'.",
    unverified: ["rotation (third-party)", "customer:* / initiative:* scope names"],
    sources: [
      {
        fact: "authorize URL, comma-separated scopes, scope names, state optional, refresh tokens default/migration",
        source: "OAuth 2.0 authentication https://linear.app/developers/oauth-2-0-authentication",
        verified: true,
      },
      {
        fact: "24 h access tokens, rotating refresh tokens, actor=user|app",
        source: "docs.unified.to linear-oauth-app (third-party)",
        verified: false,
      },
      {
        fact: "PKCE for user-delegated apps",
        source: "smithery.ai linear-security-basics (third-party)",
        verified: false,
      },
      {
        fact: "token endpoint",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
      {
        fact: "PKCE (code_challenge, code_challenge_method); prompt=consent; actor param; app:assignable / app:mentionable scopes; token endpoint POST https://api.linear.app/oauth/token",
        source:
          "OAuth 2.0 authentication https://linear.app/docs/oauth/authentication ; https://developers.linear.app/docs/oauth/authentication",
        verified: true,
      },
    ],
    scopesNote:
      "Comma separated per Linear docs (CONFLICT: Qore joins with space; preset uses ','). read is always present.",
  },
  wave: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Users can only grant access to businesses with an active Wave Pro or Wave Advisor subscription (since May 26 2025). Trailing slashes are part of the URLs. redirect_uri must match exactly. GraphQL API. Qore's access_type/prompt are not documented.",
    unverified: [
      "token endpoint URL",
      "offline_access scope",
      "refresh rotation",
      "token response extra fields",
      "PKCE",
      "whether token_type is present in the token response",
    ],
    sources: [
      {
        fact: "authorize URL, params client_id, response_type, scope (space-delimited), redirect_uri, state; Pro subscription required",
        source: "Wave OAuth Guide (copy in docs.rs wave-api documentation/oauth-guide.md)",
        verified: true,
      },
      {
        fact: "resource:operation scopes, '*' operation",
        source: "Wave OAuth Scopes (docs.rs wave-api documentation/oauth-scopes.md)",
        verified: true,
      },
      {
        fact: "offline_access for refresh; Pro required since May 2025",
        source: "developers.apideck.com Wave OAuth credentials setup (third-party)",
        verified: false,
      },
      {
        fact: "token endpoint",
        source: "qorus-oauth2-providers.md (Qore qlib module, see reference table)",
        verified: false,
      },
    ],
    scopesNote:
      "Space separated, resource:operation; write does not imply read; '<resource>:*' (literal asterisk, written '*:\\*' here) grants all operations. offline_access may be needed for refresh tokens (third-party).",
  },
  hubspot: {
    refresh: "reusable",
    pkce: "supported",
    notes:
      "Use the v3 token endpoint: parameters go in the form body (v1 /oauth/v1/token, deprecated Feb 16 2027, took them as query params). Access tokens last 30 minutes; allow tokens up to ~300 chars. The authorize URL can be pinned to an account: /oauth/{accountId}/authorize. Installing users must be Super Admin or have Marketplace Access. Legacy public app creation is temporarily unavailable for new accounts.",
    unverified: [
      "refresh tokens reusable",
      "token response field names: the v1/v3 reference schemas show camelCase (accessToken, tokenType); snake_case token_type in real responses not confirmed - without it the relay would need bearerIfMissing",
      "scope family list",
    ],
    sources: [
      {
        fact: "v3 endpoints take params in the body; authorize URL with client_id, scope, redirect_uri, optional_scopes, state; OAuth 2.1",
        source: "Manage OAuth tokens (v3) https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide",
        verified: true,
      },
      {
        fact: "token request fields incl. code_verifier; 300-char tokens",
        source: "https://developers.hubspot.com/beta-docs/reference/api/app-management/oauth",
        verified: true,
      },
      {
        fact: "access token 30 min; single-use auth code",
        source: "https://developers.hubspot.com/docs/methods/oauth2/refresh-access-token (v3 guide)",
        verified: true,
      },
      {
        fact: "v1 deprecation Feb 16 2027",
        source:
          "developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/refresh-oauth-token.md",
        verified: true,
      },
      {
        fact: "account-specific authorize URL; installer permissions",
        source:
          "Working with OAuth https://developers.hubspot.com/beta-docs/guides/apps/authentication/working-with-oauth",
        verified: true,
      },
      {
        fact: "POST https://api.hubapi.com/oauth/v3/token, form-urlencoded body with client_id, client_secret, code, code_verifier, grant_type, redirect_uri, refresh_token, scope; dated variant /oauth/2026-03/token",
        source:
          "OAuth token endpoint https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/public-token/post-oauth-v3-token ; /docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated; must match the scopes configured on the app (required scopes in 'scope', optional ones in 'optional_scopes'). Default 'oauth' only - the Qorus HubSpot app (module-v8) was not read.",
  },
  slack: {
    refresh: "optional-rotation",
    pkce: "supported",
    notes:
      'oauth.v2.access accepts form or JSON bodies; Slack recommends HTTP Basic for client_id/client_secret (body also accepted). Errors come back with HTTP 200 and {"ok":false,"error":...}. token_type is \'bot\' (not Bearer) and the user token is nested in authed_user. Token rotation is optional per app: when on, access tokens expire every 12 h and each refresh revokes the used refresh token.',
    unverified: [],
    sources: [
      {
        fact: "oauth.v2.access method, content types form/JSON, Basic preferred, code_verifier (PKCE), refresh_token grant",
        source: "oauth.v2.access https://docs.slack.dev/reference/methods/oauth.v2.access",
        verified: true,
      },
      {
        fact: "token rotation optional; 12 h expiry; refresh token revoked after use",
        source: "Using token rotation https://docs.slack.dev/authentication/using-token-rotation",
        verified: true,
      },
      {
        fact: "authorize URL https://slack.com/oauth/v2/authorize?scope=...&client_id=...; v2 response shape bot token first",
        source: "Installing with OAuth https://api.slack.com/authentication/oauth-v2",
        verified: true,
      },
      {
        fact: "refresh response fields",
        source: "@slack/oauth OAuthV2TokenRefreshResponse (official SDK reference)",
        verified: true,
      },
      {
        fact: "scope and user_scope joined with ','; team param",
        source:
          "slack_sdk.oauth.authorize_url_generator (official Python SDK) https://docs.slack.dev/tools/python-slack-sdk/reference/oauth/authorize_url_generator/",
        verified: true,
      },
      {
        fact: "oauth.v2.access response: token_type 'bot' with the bot token at top level; user token in authed_user (token_type 'user')",
        source:
          "oauth.v2.access example response (docs.slack.dev method reference; apidog copy) ; @slack/web-api OauthV2AccessResponse https://docs.slack.dev/tools/node-slack-sdk/reference/web-api/type-aliases/OauthV2AccessResponse",
        verified: true,
      },
    ],
    scopesNote:
      "Bot scopes in 'scope', user-token scopes in 'user_scope' (allowed param). Comma separated. Scope names are resource:action (chat:write.public, channels:history ...). Default is a minimal bot set - the Qorus Slack app (module-v8) was not read.",
  },
  notion: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "Token request is JSON ({grant_type, code, redirect_uri}); redirect_uri is required in most cases. Integration must be made Public to get OAuth credentials. CONFLICT on refresh: older third-party docs say no refresh token and non-expiring access tokens; the current official reference lists refresh_token in the token response - treat any returned refresh_token as rotating. Every API call needs a Notion-Version header.",
    unverified: [
      "owner=user fixed param (third-party example only; official page not in excerpt)",
      "refresh semantics (rotation)",
      "PKCE",
    ],
    sources: [
      {
        fact: "POST /v1/oauth/token, response incl. refresh_token, bot_id, workspace_*, owner; redirect_uri requirement",
        source: "Create a token https://developers.notion.com/reference/create-a-token",
        verified: true,
      },
      {
        fact: "JSON request body example",
        source: "apidog copy of Notion API docs (third-party)",
        verified: false,
      },
      {
        fact: "authorize URL with client_id, redirect_uri, response_type=code, state",
        source: "mintlify makenotion/notion-sdk-js guides/oauth (SDK docs)",
        verified: false,
      },
      {
        fact: "no refresh token, no scopes, must be Public",
        source: "nango.dev notion guide (third-party, older)",
        verified: false,
      },
      {
        fact: "token endpoint requires Authorization: Basic base64(client_id:client_secret); refresh_token grant on POST /v1/oauth/token",
        source: "Refresh a token https://developers.notion.com/reference/refresh-a-token",
        verified: true,
      },
      {
        fact: "authorize URL carries owner=user",
        source: "docs.archyon.app api-reference/auth/begin-notion-oauth example (third-party)",
        verified: false,
      },
    ],
    scopesNote: "No scopes: capabilities are set on the integration and users choose pages to share.",
  },
  zendesk: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "Token requests must be JSON (grant_type, code, client_id, client_secret, redirect_uri, scope, optional expires_in 300..172800 s and refresh_token_expires_in 604800..7776000 s, default 30 days). Codes are valid 120 s. Refreshing invalidates the previous access AND refresh token. Refresh tokens are issued for all new token requests (older docs: non-expiring tokens, no refresh). OAuth clients are created in Admin Center > Apps and integrations > APIs > OAuth clients (global clients for multi-account apps need Zendesk approval).",
    unverified: [
      "resource-scoped scope names",
      "global OAuth client approval requirement (general knowledge)",
      "HTTP Basic acceptance",
    ],
    sources: [
      {
        fact: "grant-type tokens endpoint /oauth/tokens, PKCE params, refresh rotation, refresh tokens for all new requests, JSON parameters",
        source:
          "OAuth Tokens for Grant Types https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/",
        verified: true,
      },
      {
        fact: "expires_in / refresh_token_expires_in ranges, 120 s code",
        source: "simworkflow/withone mirrors of the same Zendesk reference (third-party)",
        verified: false,
      },
      {
        fact: "OAuth clients location, refresh tokens supported",
        source: "support.zendesk.com article 4408845965210",
        verified: true,
      },
      {
        fact: "authorize URL /oauth/authorizations/new",
        source: "airbytehq/airbyte issue #7326 (third-party)",
        verified: false,
      },
      {
        fact: "authorize URL https://{subdomain}.zendesk.com/oauth/authorizations/new; impersonate scope",
        source:
          "Making API requests on behalf of end users https://developer.zendesk.com/documentation/ticketing/managing-tickets/making-api-requests-on-behalf-of-end-users",
        verified: true,
      },
      {
        fact: "token response carries token_type bearer",
        source:
          "OAuth Tokens for Grant Types https://developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/",
        verified: true,
      },
    ],
    scopesNote:
      "Space separated; read/write or resource-scoped (tickets:read, users:write ...). Default read write - the Qorus Zendesk app (module-v8) was not read.",
    vars: {
      subdomain: "Zendesk account subdomain (<subdomain>.zendesk.com). Host-mapped custom domains are not covered.",
    },
  },
  asana: {
    refresh: "reusable",
    pkce: "undocumented",
    notes:
      "Token requests from a browser are not supported. Distribution must allow the user's workspace (Specific workspaces / Any workspace) or authorize fails with client_id invalid. Revoke: POST https://app.asana.com/-/oauth_revoke. Extra provider beyond the Qore list (module-v8 app).",
    unverified: [
      "refresh tokens reusable",
      "PKCE",
      "'default' scope value for full permissions",
      "token response 'data' field",
    ],
    sources: [
      {
        fact: "authorize, token, revoke endpoints; auth code grant",
        source: "OAuth https://developers.asana.com/docs/oauth",
        verified: true,
      },
      {
        fact: "space-separated scopes, no browser token requests, distribution settings",
        source: "OAuth Code Samples / Libraries https://developers.asana.com/docs/getting-started-with-asana-oauth",
        verified: true,
      },
      {
        fact: "granular vs Full permissions mutually exclusive",
        source: "docs.unified.to asana-oauth-app (third-party)",
        verified: false,
      },
    ],
    scopesNote:
      "Space separated. An app is registered either for Full permissions ('default') or for granular scopes (tasks:read ...) - the two are mutually exclusive and must match the app registration.",
  },
  docusign: {
    refresh: "rotating",
    pkce: "supported",
    notes:
      "Token call: Authorization: Basic base64(integration_key:secret_key), Content-Type application/x-www-form-urlencoded. Refresh returns an access token and a new refresh token. Auth codes are valid 2 minutes. After login call GET https://{auth_host}/oauth/userinfo to find the account's base_uri (API host) - not in the token response. The Qorus module-v8 app used the demo host. DocuSign also lists cors, click.sign, account_write and further Admin scopes; add them to an app's scopes.allow if needed.",
    unverified: [],
    sources: [
      {
        fact: "Confidential and Public (PKCE) Authorization Code Grant",
        source: "Authorization Code Grant https://developers.docusign.com/platform/auth/authcode",
        verified: true,
      },
      {
        fact: "POST /oauth/token: form-urlencoded, Basic base64(integration key:secret); refresh returns new refresh token",
        source:
          "Obtain access token endpoint https://developers.docusign.com/platform/auth/reference/obtain-access-token",
        verified: true,
      },
      {
        fact: "demo/prod auth hosts, params, code valid 2 minutes",
        source:
          "CSDN / Tencent Cloud translations of DocuSign 'How to get an access token with Authorization Code Grant' (third-party copies)",
        verified: false,
      },
      {
        fact: "scopes: impersonation, extended (a refresh then issues a full-lifetime refresh token), signature, openid, cors, click.manage, click.send; Admin scopes organization_read, group_read, permission_read, user_read, user_write, account_read, account_write, domain_read, identity_provider_read ...",
        source:
          "Authentication scopes https://developers.docusign.com/platform/auth/reference/scopes ; Admin API authentication https://developers.docusign.com/orgadmin-api/guides/auth",
        verified: true,
      },
      {
        fact: "GET https://{auth_host}/oauth/userinfo returns accounts[] with base_uri",
        source: "User info endpoint https://developers.docusign.com/platform/auth/reference/user-info",
        verified: true,
      },
    ],
    scopesNote: "Space separated. extended makes refresh tokens last longer.",
    vars: {
      auth_host: "account.docusign.com (production) or account-d.docusign.com (developer/demo).",
    },
  },
  pipedrive: {
    refresh: "rotating",
    pkce: "undocumented",
    notes:
      "OAuth is mandatory for Marketplace apps. The authorize step is only needed when installing outside the Marketplace (client_id, redirect_uri required, state optional). Forward api_domain (company-specific API host). Extra provider beyond the Qore list.",
    unverified: ["api_domain in token response", "refresh rotation", "PKCE"],
    sources: [
      {
        fact: "authorize URL and params; tokens from https://oauth.pipedrive.com",
        source:
          "OAuth authorization https://pipedrive.readme.io/docs/marketplace-oauth-authorization ; https://developers.pipedrive.com/docs/api/v1/Oauth",
        verified: true,
      },
      {
        fact: "POST https://oauth.pipedrive.com/oauth/token with Authorization: Basic base64(client_id:client_secret) for the code exchange and the refresh",
        source:
          "Pipedrive API v1 OAuth reference https://developers.pipedrive.com/docs/api/v1/Oauth (Getting the tokens / Refreshing the tokens)",
        verified: true,
      },
    ],
    scopesNote: "No scope parameter; scopes are chosen when the app is registered in the Marketplace Manager.",
  },
};
