import type { CatalogueEntry } from "./entry.js";

/**
 * The Microsoft identity platform v2 (Entra ID), shared by the Graph, Dataverse and Business
 * Central entries: the tenant templated into both endpoints, the code by POST
 * (`response_mode=form_post`, RFC 9700 §4.2.4), `offline_access` always (else no refresh token),
 * one resource per request.
 */
const MICROSOFT_IDENTITY = {
  authorize: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
  token: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
  fixed: { response_mode: "form_post" },
  params: ["prompt", "login_hint", "domain_hint"],
};
const MICROSOFT_TENANT = {
  pattern:
    "^(?:common|organizations|consumers|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$",
  example: "contoso.onmicrosoft.com",
};
const MICROSOFT_SCOPES = { required: "offline_access", oneResource: "https://graph.microsoft.com" };

/** Atlassian Cloud 3LO, shared by Confluence and Jira: `audience` and `prompt=consent` always. */
const ATLASSIAN_3LO = {
  authorize: "https://auth.atlassian.com/authorize",
  token: "https://auth.atlassian.com/oauth/token",
  fixed: { audience: "api.atlassian.com", prompt: "consent" },
};

/**
 * The OAuth2 servers Qorus connects to, as data (the shape is entry.ts; what each fact rests on,
 * and which are unverified, is in catalogue-facts.ts and docs/PROVIDERS.md). Dropbox and Microsoft
 * quirks live here like every other provider's. An app names an entry by id: `"server": "google"`.
 *
 * This module is in the Worker bundle: keep entries to what the relay acts on; prose goes to
 * catalogue-facts.ts.
 */
export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: "google",
    name: "Google",
    authorize: "https://accounts.google.com/o/oauth2/v2/auth",
    token: "https://oauth2.googleapis.com/token",
    scopes: {
      default: "",
      allow: "openid email profile https://www.googleapis.com/auth/* https://mail.google.com/",
    },
    fixed: {
      access_type: "offline",
      prompt: "consent",
    },
    params: ["login_hint", "hd", "include_granted_scopes"],
    issuer: "https://accounts.google.com",
  },
  {
    id: "salesforce",
    name: "Salesforce",
    authorize: "https://{login_host}/services/oauth2/authorize",
    token: "https://{login_host}/services/oauth2/token",
    vars: {
      login_host: {
        pattern:
          "^(?:login\\.salesforce\\.com|test\\.salesforce\\.com|[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?(?:--[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)?(?:\\.sandbox|\\.develop|\\.scratch)?\\.my\\.salesforce\\.com)$",
        example: "acme--uat.sandbox.my.salesforce.com",
        default: "login.salesforce.com",
      },
    },
    scopes: {
      default: "full api id refresh_token",
      allow:
        "api full id refresh_token offline_access openid profile email address phone web visualforce chatter_api custom_permissions wave_api eclair_api pardot_api lightning content cdp_* sfap_api einstein_gpt_api interaction_api pwdless_login_api user_registration_api forgot_password chatbot_api scrt_api mcp_api data_cloud_user_claims",
    },
    params: ["prompt", "login_hint", "display", "immediate", "nonce"],
  },
  {
    id: "dropbox",
    name: "Dropbox",
    authorize: "https://www.dropbox.com/oauth2/authorize",
    token: "https://api.dropboxapi.com/oauth2/token",
    scopes: {
      default:
        "files.metadata.write files.metadata.read files.content.write files.content.read sharing.write sharing.read account_info.read",
      allow: "account_info.* files.* sharing.* file_requests.* contacts.* openid email profile",
    },
    fixed: {
      token_access_type: "offline",
    },
    params: [
      "force_reapprove",
      "force_reauthentication",
      "include_granted_scopes",
      "require_role",
      "disable_signup",
      "locale",
    ],
    // Dropbox refuses a longer state (the relay state's compact layout exists for this limit).
    stateMax: 500,
  },
  {
    id: "microsoft",
    name: "Microsoft Graph (OneDrive / SharePoint)",
    ...MICROSOFT_IDENTITY,
    vars: {
      tenant: {
        ...MICROSOFT_TENANT,
        default: "common",
      },
    },
    scopes: {
      default: "offline_access Files.ReadWrite.All User.Read",
      allow:
        "openid profile email offline_access User.Read Files.* Sites.* https://graph.microsoft.com/User.Read https://graph.microsoft.com/Files.* https://graph.microsoft.com/Sites.* https://*.crm*.dynamics.com/user_impersonation https://*.crm*.dynamics.com/.default",
      ...MICROSOFT_SCOPES,
    },
  },
  {
    id: "dynamics",
    name: "Microsoft Dynamics 365 / Dataverse",
    ...MICROSOFT_IDENTITY,
    vars: {
      tenant: {
        ...MICROSOFT_TENANT,
        default: "organizations",
      },
      org: {
        pattern: "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
        example: "contoso",
      },
      crm_region: {
        pattern: "^crm(?:[1-9][0-9]?)?$",
        example: "crm4",
        default: "crm",
      },
    },
    scopes: {
      default: "https://{org}.{crm_region}.dynamics.com/user_impersonation offline_access",
      allow:
        "openid email profile offline_access https://*.dynamics.com/user_impersonation https://*.dynamics.com/.default",
      ...MICROSOFT_SCOPES,
    },
  },
  {
    id: "business-central",
    name: "Microsoft Dynamics 365 Business Central",
    ...MICROSOFT_IDENTITY,
    vars: {
      tenant: {
        ...MICROSOFT_TENANT,
        default: "organizations",
      },
    },
    scopes: {
      default: "https://api.businesscentral.dynamics.com/Financials.ReadWrite.All offline_access",
      allow:
        "openid email profile offline_access https://api.businesscentral.dynamics.com/Financials.ReadWrite.All https://api.businesscentral.dynamics.com/user_impersonation https://api.businesscentral.dynamics.com/.default",
      ...MICROSOFT_SCOPES,
    },
  },
  {
    id: "netsuite",
    name: "Oracle NetSuite",
    authorize: "https://{account_id}.app.netsuite.com/app/login/oauth2/authorize.nl",
    token: "https://{account_id}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
    vars: {
      account_id: {
        pattern: "^[a-z0-9]{1,30}(?:-(?:sb|rp)[0-9]{0,2})?$",
        example: "1234567-sb1",
      },
    },
    scopes: {
      default: "rest_webservices",
      allow: "rest_webservices restlets suite_analytics mcp openid email",
    },
    params: ["prompt"],
    auth: {
      method: "basic",
      encoding: "raw",
    },
    stateMax: 1024,
  },
  {
    id: "discord",
    name: "Discord",
    authorize: "https://discord.com/oauth2/authorize",
    token: "https://discord.com/api/oauth2/token",
    scopes: {
      default: "bot guilds identify messages.read",
      allow:
        "identify email guilds guilds.join guilds.members.read connections bot applications.commands applications.commands.permissions.update messages.read role_connections.write webhook.incoming openid dm_channels.read activities.read activities.write gdm.join rpc rpc.* voice",
    },
    fixed: {
      permissions: "377957223496",
    },
    params: ["guild_id", "disable_guild_select", "integration_type", "prompt"],
    // Discord's metadata: authorization_response_iss_parameter_supported (RFC 9207).
    issuer: "https://discord.com",
    iss: true,
  },
  {
    id: "hue",
    name: "Philips Hue (Remote API)",
    authorize: "https://api.meethue.com/v2/oauth2/authorize",
    token: "https://api.meethue.com/v2/oauth2/token",
    scopes: {
      default: "",
      allow: "",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
  {
    id: "servicenow",
    name: "ServiceNow",
    authorize: "https://{instance}.service-now.com/oauth_auth.do",
    token: "https://{instance}.service-now.com/oauth_token.do",
    vars: {
      instance: {
        pattern: "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
        example: "dev12345",
      },
    },
    scopes: {
      default: "",
      allow: "useraccount *",
    },
  },
  {
    id: "github",
    name: "GitHub",
    authorize: "https://github.com/login/oauth/authorize",
    token: "https://github.com/login/oauth/access_token",
    scopes: {
      default: "repo user public_repo delete_repo",
      allow:
        "repo repo:* public_repo delete_repo user user:* read:* write:* admin:* gist notifications workflow project codespace codespace:* security_events delete:packages audit_log",
    },
    params: ["login", "allow_signup", "prompt"],
  },
  {
    id: "gitlab",
    name: "GitLab",
    authorize: "https://{host}/oauth/authorize",
    token: "https://{host}/oauth/token",
    vars: {
      host: {
        pattern:
          "^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+(?::[0-9]{1,5})?$",
        example: "gitlab.example.com",
        default: "gitlab.com",
        operator: true,
      },
    },
    scopes: {
      default: "api profile email",
      allow:
        "api read_api read_user read_repository write_repository read_registry write_registry sudo admin_mode openid profile email create_runner manage_runner k8s_proxy ai_features read_virtual_registry write_virtual_registry read_observability write_observability",
    },
  },
  {
    id: "bitbucket",
    name: "Bitbucket Cloud",
    authorize: "https://bitbucket.org/site/oauth2/authorize",
    token: "https://bitbucket.org/site/oauth2/access_token",
    scopes: {
      default: "",
      allow: "",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
  {
    id: "atlassian",
    name: "Atlassian Confluence Cloud (3LO)",
    ...ATLASSIAN_3LO,
    scopes: {
      default:
        "offline_access read:page:confluence write:page:confluence delete:page:confluence read:blogpost:confluence write:blogpost:confluence delete:blogpost:confluence read:space:confluence read:task:confluence write:task:confluence read:label:confluence read:attachment:confluence",
      allow:
        "offline_access read:me read:account read:*:confluence write:*:confluence delete:*:confluence manage:*:confluence read:confluence-* write:confluence-* search:confluence readonly:content.attachment:confluence",
    },
  },
  {
    id: "jira",
    name: "Atlassian Jira Cloud (3LO)",
    ...ATLASSIAN_3LO,
    scopes: {
      default: "offline_access read:jira-work write:jira-work read:jira-user",
      allow:
        "offline_access read:me read:account read:jira-work write:jira-work read:jira-user manage:jira-project manage:jira-configuration manage:jira-webhook manage:jira-data-provider read:servicedesk-request write:servicedesk-request manage:servicedesk-customer read:*:jira write:*:jira delete:*:jira read:*:jira-service-management write:*:jira-service-management read:*:jira-software write:*:jira-software",
    },
  },
  {
    id: "xero",
    name: "Xero",
    authorize: "https://login.xero.com/identity/connect/authorize",
    token: "https://identity.xero.com/connect/token",
    scopes: {
      default:
        "openid email profile offline_access accounting.settings accounting.contacts accounting.attachments accounting.invoices accounting.payments accounting.banktransactions accounting.manualjournals accounting.journals.read projects payroll.employees payroll.payruns payroll.payslip payroll.timesheets payroll.settings",
      allow:
        "openid email profile offline_access accounting.* payroll.* projects projects.read assets assets.read files files.read paymentservices bankfeeds finance.* practicemanager practicemanager.* workflowmax app.connections marketplace.billing",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
  {
    id: "linkedin",
    name: "LinkedIn",
    authorize: "https://www.linkedin.com/oauth/v2/authorization",
    token: "https://www.linkedin.com/oauth/v2/accessToken",
    scopes: {
      default: "openid profile email w_member_social",
      allow: "openid profile email w_member_social r_* w_* rw_*",
    },
    bearerIfMissing: true,
  },
  {
    id: "intercom",
    name: "Intercom",
    authorize: "https://app.intercom.com/oauth",
    token: "https://api.intercom.io/auth/eagle/token",
    scopes: {
      default: "",
      allow: "",
    },
    bearerIfMissing: true,
  },
  {
    id: "stripe",
    name: "Stripe (Stripe Apps OAuth)",
    authorize: "https://marketplace.stripe.com/oauth/v2/authorize",
    token: "https://api.stripe.com/v1/oauth/token",
    scopes: {
      default: "read_write",
      allow: "read_write read_only",
    },
    bearerIfMissing: true,
  },
  {
    id: "zoho",
    name: "Zoho (Books / Inventory / Invoice / CRM)",
    authorize: "https://{accounts_host}/oauth/v2/auth",
    token: "https://{accounts_host}/oauth/v2/token",
    vars: {
      accounts_host: {
        pattern: "^accounts\\.(?:zoho\\.(?:com|eu|in|com\\.au|jp|uk|sa|com\\.cn)|zohocloud\\.ca)$",
        example: "accounts.zoho.eu",
        default: "accounts.zoho.com",
      },
    },
    scopes: {
      default:
        "ZohoBooks.invoices.ALL ZohoBooks.bills.ALL ZohoBooks.customerpayments.ALL ZohoBooks.contacts.ALL ZohoBooks.expenses.ALL ZohoBooks.salesorders.ALL ZohoBooks.estimates.ALL ZohoBooks.purchaseorders.ALL ZohoBooks.settings.ALL",
      allow:
        "ZohoBooks.* ZohoInventory.* ZohoInvoice.* ZohoCRM.* ZohoBigin.* AaaServer.profile.READ aaaserver.profile.READ",
      separator: ",",
    },
    fixed: {
      access_type: "offline",
      prompt: "consent",
    },
  },
  {
    id: "square",
    name: "Square",
    authorize: "https://{host}/oauth2/authorize",
    token: "https://{host}/oauth2/token",
    vars: {
      host: {
        pattern: "^connect\\.(?:squareup|squareupsandbox)\\.com$",
        example: "connect.squareupsandbox.com",
        default: "connect.squareup.com",
      },
    },
    scopes: {
      default:
        "CUSTOMERS_READ CUSTOMERS_WRITE ORDERS_READ ORDERS_WRITE PAYMENTS_READ PAYMENTS_WRITE INVOICES_READ INVOICES_WRITE INVENTORY_READ INVENTORY_WRITE ITEMS_READ ITEMS_WRITE APPOINTMENTS_READ APPOINTMENTS_WRITE APPOINTMENTS_ALL_READ APPOINTMENTS_ALL_WRITE MERCHANT_PROFILE_READ",
      allow:
        "*_READ *_WRITE *_ALL_READ *_ALL_WRITE PAYMENTS_WRITE_* PAYMENTS_WRITE_ADDITIONAL_RECIPIENTS PAYMENTS_WRITE_IN_PERSON PAYMENTS_WRITE_SHARED_ONFILE",
    },
    params: ["session", "locale"],
    body: "json",
  },
  {
    id: "squarespace",
    name: "Squarespace",
    authorize: "https://login.squarespace.com/api/1/login/oauth/provider/authorize",
    token: "https://login.squarespace.com/api/1/login/oauth/provider/tokens",
    scopes: {
      default: "website.orders website.products website.inventory website.transactions.read",
      allow:
        "website.orders website.orders.read website.products website.products.read website.inventory website.inventory.read website.transactions.read website.pages.read website.*",
      separator: ",",
    },
    fixed: {
      access_type: "offline",
    },
    params: ["website_id"],
    auth: {
      method: "basic",
      encoding: "raw",
    },
    bearerIfMissing: true,
  },
  {
    id: "constantcontact",
    name: "Constant Contact (V3)",
    authorize: "https://authz.constantcontact.com/oauth2/default/v1/authorize",
    token: "https://authz.constantcontact.com/oauth2/default/v1/token",
    scopes: {
      default: "account_read account_update contact_data campaign_data offline_access",
      allow: "account_read account_update contact_data campaign_data offline_access openid profile email",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
  {
    id: "keap",
    name: "Keap (Infusionsoft)",
    authorize: "https://accounts.infusionsoft.com/app/oauth/authorize",
    token: "https://api.infusionsoft.com/token",
    scopes: {
      default: "full",
      allow: "full",
    },
  },
  {
    id: "gohighlevel",
    name: "HighLevel (GoHighLevel / LeadConnector)",
    authorize: "https://marketplace.gohighlevel.com/oauth/chooselocation",
    token: "https://services.leadconnectorhq.com/oauth/token",
    scopes: {
      default:
        "contacts.readonly contacts.write opportunities.readonly opportunities.write calendars.readonly calendars/events.readonly conversations.readonly users.readonly campaigns.readonly",
      allow: "*.readonly *.write */*.readonly */*.write */*/*.readonly */*/*.write",
    },
    params: ["version_id"],
  },
  {
    id: "gorgias",
    name: "Gorgias",
    authorize: "https://{subdomain}.gorgias.com/oauth/authorize",
    token: "https://{subdomain}.gorgias.com/oauth/token",
    vars: {
      subdomain: {
        pattern: "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
        example: "acme",
      },
    },
    scopes: {
      default:
        "openid offline tickets:read tickets:write customers:read customers:write tags:read tags:write users:read events:read",
      allow: "openid email profile offline write:all *:read *:write",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
  {
    id: "close",
    name: "Close CRM",
    authorize: "https://app.close.com/oauth2/authorize/",
    token: "https://api.close.com/oauth2/token/",
    scopes: {
      default: "all.full_access offline_access",
      allow: "all.full_access offline_access",
    },
    bearerIfMissing: true,
  },
  {
    id: "bitly",
    name: "Bitly",
    authorize: "https://bitly.com/oauth/authorize",
    token: "https://api-ssl.bitly.com/oauth/access_token",
    scopes: {
      default: "",
      allow: "",
    },
    bearerIfMissing: true,
  },
  {
    id: "apollo",
    name: "Apollo.io",
    authorize: "https://app.apollo.io/#/oauth/authorize",
    token: "https://app.apollo.io/api/v1/oauth/token",
    scopes: {
      default: "read_user_profile app_scopes",
      allow: "read_user_profile app_scopes *_read *_write *_search *_list *_create *_update *_delete users_list",
    },
    bearerIfMissing: true,
  },
  {
    id: "kit",
    name: "Kit (ConvertKit)",
    authorize: "https://api.kit.com/v4/oauth/authorize",
    token: "https://api.kit.com/v4/oauth/token",
    scopes: {
      default: "public",
      allow: "public",
    },
    bearerIfMissing: true,
  },
  {
    id: "shippo",
    name: "Shippo",
    authorize: "https://goshippo.com/oauth/authorize",
    // As Shippo's own OAuth demo exchanges the code (JSON body); the Qore module's URL differs.
    token: "https://goshippo.com/oauth/access_token",
    body: "json",
    scopes: {
      default: "*",
      allow: "\\*",
    },
    params: ["utm_source"],
    bearerIfMissing: true,
  },
  {
    id: "smartsheet",
    name: "Smartsheet",
    authorize: "https://app.{domain}/b/authorize",
    token: "https://api.{domain}/2.0/token",
    vars: {
      domain: {
        pattern: "^(?:smartsheet\\.(?:com|eu|au)|smartsheetgov\\.com)$",
        example: "smartsheet.eu",
        default: "smartsheet.com",
      },
    },
    scopes: {
      default:
        "READ_SHEETS WRITE_SHEETS CREATE_SHEETS ADMIN_SHEETS SHARE_SHEETS DELETE_SHEETS READ_SIGHTS CREATE_SIGHTS SHARE_SIGHTS DELETE_SIGHTS READ_USERS ADMIN_USERS ADMIN_WORKSPACES ADMIN_WEBHOOKS READ_CONTACTS READ_EVENTS",
      allow: "READ_* WRITE_* CREATE_* ADMIN_* SHARE_* DELETE_*",
    },
  },
  {
    id: "unbounce",
    name: "Unbounce",
    authorize: "https://api.unbounce.com/oauth/authorize",
    token: "https://api.unbounce.com/oauth/token",
    scopes: {
      default: "full",
      allow: "full",
    },
    bearerIfMissing: true,
  },
  {
    id: "freshbooks",
    name: "FreshBooks",
    authorize: "https://auth.freshbooks.com/oauth/authorize/",
    token: "https://api.freshbooks.com/auth/oauth/token",
    scopes: {
      default: "",
      allow: "user:*:read user:*:write user:profile:read user:*",
    },
  },
  {
    id: "linear",
    name: "Linear",
    authorize: "https://linear.app/oauth/authorize",
    token: "https://api.linear.app/oauth/token",
    scopes: {
      default: "read write issues:create comments:create",
      allow:
        "read write issues:create comments:create timeSchedule:write admin app:assignable app:mentionable customer:read customer:write initiative:read initiative:write",
      separator: ",",
    },
    params: ["actor", "prompt"],
  },
  {
    id: "wave",
    name: "Wave (Wave Financial)",
    authorize: "https://api.waveapps.com/oauth2/authorize/",
    token: "https://api.waveapps.com/oauth2/token/",
    scopes: {
      default:
        "account:read account:write business:read customer:read customer:write invoice:read invoice:write product:read product:write transaction:read transaction:write user:read vendor:read",
      allow: "*:read *:write *:\\* offline_access",
    },
    bearerIfMissing: true,
  },
  {
    id: "hubspot",
    name: "HubSpot",
    authorize: "https://app.hubspot.com/oauth/authorize",
    token: "https://api.hubapi.com/oauth/v3/token",
    scopes: {
      default: "oauth",
      allow:
        "oauth openid crm.* content forms forms-uploaded-files files files.* tickets e-commerce automation timeline conversations.* sales-email-read settings.* cms.* marketing.* communication_preferences.* business-intelligence social transactional-email integration-sync actions hubdb account-info.security.read scheduler.* media_bridge.* business_units_view.* behavioral_events.*",
    },
    params: ["optional_scopes"],
  },
  {
    id: "slack",
    name: "Slack",
    authorize: "https://slack.com/oauth/v2/authorize",
    token: "https://slack.com/api/oauth.v2.access",
    scopes: {
      default: "channels:read chat:write users:read",
      allow: "*:* *:*:* identity.* incoming-webhook commands bot openid email profile",
      separator: ",",
    },
    params: ["user_scope", "team"],
    auth: {
      method: "basic",
      encoding: "raw",
    },
    tokenTypes: ["bearer", "bot", "user"],
    okField: true,
  },
  {
    id: "notion",
    name: "Notion",
    authorize: "https://api.notion.com/v1/oauth/authorize",
    token: "https://api.notion.com/v1/oauth/token",
    scopes: {
      default: "",
      allow: "",
    },
    fixed: {
      owner: "user",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
    body: "json",
  },
  {
    id: "zendesk",
    name: "Zendesk",
    authorize: "https://{subdomain}.zendesk.com/oauth/authorizations/new",
    token: "https://{subdomain}.zendesk.com/oauth/tokens",
    vars: {
      subdomain: {
        pattern: "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
        example: "acme",
      },
    },
    scopes: {
      default: "read write",
      allow: "read write impersonate *:read *:write hc:read hc:write",
    },
    body: "json",
  },
  {
    id: "asana",
    name: "Asana",
    authorize: "https://app.asana.com/-/oauth_authorize",
    token: "https://app.asana.com/-/oauth_token",
    scopes: {
      default: "default",
      allow: "default openid email profile *:read *:write *:delete",
    },
  },
  {
    id: "docusign",
    name: "DocuSign eSignature",
    authorize: "https://{auth_host}/oauth/auth",
    token: "https://{auth_host}/oauth/token",
    vars: {
      auth_host: {
        pattern: "^account(?:-d)?\\.docusign\\.com$",
        example: "account-d.docusign.com",
        default: "account.docusign.com",
      },
    },
    scopes: {
      default: "signature",
      allow:
        "signature extended impersonation openid email profile organization_read group_read permission_read user_read user_write account_read domain_read identity_provider_read click.manage click.send room_forms dtr.* adm_store_unified_repo_read models_read aow_manage spring_* webforms_* signature_*",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
  {
    id: "pipedrive",
    name: "Pipedrive",
    authorize: "https://oauth.pipedrive.com/oauth/authorize",
    token: "https://oauth.pipedrive.com/oauth/token",
    scopes: {
      default: "",
      allow: "",
    },
    auth: {
      method: "basic",
      encoding: "raw",
    },
  },
];
