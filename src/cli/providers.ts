/**
 * `qorus-oauth-relay providers [<id>] [--json]`: the provider catalogue (src/servers/catalogue.ts)
 * with what an operator needs to register an app: template variables and what they mean, client
 * authentication, scopes, notes, unverified facts and the redirect URI. Offline: no relay needed.
 */
import { clientSecretVariable } from "../config.js";
import { callbackUrl } from "../flow/authorization-url.js";
import { CATALOGUE } from "../servers/catalogue.js";
import { CATALOGUE_FACTS, type ProviderFacts, REFRESH_BEHAVIOUR_TEXT } from "../servers/catalogue-facts.js";
import type { CatalogueEntry } from "../servers/entry.js";
import { profileFromEntry } from "../servers/profile.js";
import { NAME, parse, UsageError } from "./args.js";
import type { Command } from "./command.js";

const APP_ID = "<app id>";
const NO_RELAY_URL = "<your RELAY_URL>";

export interface ProviderVariable {
  readonly name: string;
  /** Used when neither APPS `vars` nor the flow sets a value; null: none. */
  readonly default: string | null;
  /** No default: a value must come from APPS `vars` (or, unless operator-only, from each flow). */
  readonly required: boolean;
  /** Settable only in APPS `vars`, never per flow (it can move the token endpoint's host). */
  readonly operator_only: boolean;
  readonly example: string;
  readonly pattern: string;
  /** What it means, from the catalogue facts; null when they say nothing. */
  readonly description: string | null;
}

export interface ProviderInfo {
  readonly id: string;
  readonly name: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly variables: readonly ProviderVariable[];
  readonly client_authentication: {
    readonly method: "client_secret_basic" | "client_secret_post";
    /** Basic only: `form` (RFC 6749 §2.3.1) or `raw`. */
    readonly basic_encoding?: "form" | "raw";
  };
  readonly token_request_body: "form" | "json";
  readonly scopes: {
    readonly default: readonly string[];
    readonly allow: readonly string[];
    readonly required: readonly string[];
    readonly separator: " " | ",";
  };
  readonly fixed_parameters: Readonly<Record<string, string>>;
  readonly instance_parameters: readonly string[];
  readonly refresh_token: ProviderFacts["refresh"] | null;
  readonly pkce: ProviderFacts["pkce"] | null;
  readonly notes: string | null;
  readonly scopes_note: string | null;
  /** The redirect URI to register at the provider: `<RELAY_URL>/v1/callback/<app id>`. */
  readonly redirect_uri: string;
  readonly unverified: readonly string[];
}

/** One catalogue entry as the operator sees it (via the relay's own profile builder). */
export function providerInfo(entry: CatalogueEntry, relayUrl: string | null): ProviderInfo {
  const profile = profileFromEntry(entry);
  const facts = CATALOGUE_FACTS[entry.id];
  const { method, basicEncoding } = profile.clientAuth;
  return {
    id: entry.id,
    name: entry.name,
    authorization_endpoint: profile.authorizeTemplate,
    token_endpoint: profile.tokenTemplate,
    variables: profile.variables.map((variable) => ({
      name: variable.name,
      default: variable.default,
      required: variable.default === null,
      operator_only: variable.operatorOnly,
      example: variable.example,
      pattern: variable.pattern.source,
      description: facts?.vars?.[variable.name] ?? null,
    })),
    client_authentication:
      method === "client_secret_basic" ? { method, basic_encoding: basicEncoding } : { method: "client_secret_post" },
    token_request_body: profile.tokenRequestBody,
    scopes: {
      default: profile.defaultScopes,
      allow: profile.allowedScopes,
      required: profile.requiredScopes,
      separator: profile.scopeSeparator,
    },
    fixed_parameters: profile.fixedAuthParams,
    instance_parameters: profile.allowedParams,
    refresh_token: facts?.refresh ?? null,
    pkce: facts?.pkce ?? null,
    notes: facts?.notes || null,
    scopes_note: facts?.scopesNote ?? null,
    redirect_uri: callbackUrl(relayUrl ?? NO_RELAY_URL, APP_ID),
    unverified: facts?.unverified ?? [],
  };
}

function clientAuthText(info: ProviderInfo): string {
  const auth = info.client_authentication;
  return auth.method === "client_secret_basic" ? `basic (${auth.basic_encoding})` : "post";
}

function variablesCell(info: ProviderInfo): string {
  if (info.variables.length === 0) return "-";
  return info.variables
    .map((variable) => `${variable.name}${variable.required ? "*" : ""}${variable.operator_only ? "!" : ""}`)
    .join(" ");
}

function table(infos: readonly ProviderInfo[], relayUrl: string | null): string {
  const rows = [["ID", "NAME", "VARIABLES", "CLIENT AUTH", "DEFAULT SCOPES"]];
  for (const info of infos) {
    const scopes = info.scopes.default.length === 0 ? "-" : String(info.scopes.default.length);
    rows.push([info.id, info.name, variablesCell(info), clientAuthText(info), scopes]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
  return `${lines.join("\n")}

${infos.length} providers. VARIABLES: * no default (must be set), ! operator only (APPS "vars").
CLIENT AUTH: basic = HTTP Basic (form- or raw-encoded id:secret), post = id and secret in the body.
DEFAULT SCOPES: how many; details with "${NAME} providers <id>".
Redirect URI to register at the provider, for every app: ${callbackUrl(relayUrl ?? NO_RELAY_URL, APP_ID)}
An OAuth2 server not listed here can be described as an object in APPS (docs/PROVIDERS.md).
`;
}

/** Word-wraps `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((part) => part !== "")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.join(`\n${indent}`);
}

function detail(info: ProviderInfo, relayUrl: string | null): string {
  const label = (name: string) => `  ${name.padEnd(24)}`;
  const indent = " ".repeat(26);
  const list = (values: readonly string[]) => (values.length === 0 ? "none" : wrap(values.join(" "), indent));
  const out = [`${info.id} — ${info.name}`];
  const add = (name: string, value: string) => out.push(`${label(name)}${value}`);
  add("authorization endpoint", info.authorization_endpoint);
  add("token endpoint", info.token_endpoint);
  const auth = info.client_authentication;
  add(
    "client authentication",
    auth.method === "client_secret_basic"
      ? `client_secret_basic: HTTP Basic, id and secret ${auth.basic_encoding === "raw" ? "sent raw" : "form-encoded first (RFC 6749 §2.3.1)"}; change with "basic_encoding" in APPS`
      : "client_secret_post: client_id and client_secret in the request body",
  );
  add("token request body", info.token_request_body === "json" ? "JSON" : "form (application/x-www-form-urlencoded)");
  if (info.variables.length === 0) add("template variables", "none");
  for (const variable of info.variables) {
    const value = variable.default === null ? "required, no default" : `default ${variable.default}`;
    const who = variable.operator_only
      ? 'operator only (APPS "vars")'
      : 'per app (APPS "vars") or per flow (POST /v1/flows "vars")';
    add(`variable ${variable.name}`, wrap(`${value}; ${who}; e.g. ${variable.example}`, indent));
    if (variable.description) out.push(`${indent}${wrap(variable.description, indent)}`);
  }
  add("default scopes", list(info.scopes.default));
  add("allowed scopes", list(info.scopes.allow));
  if (info.scopes.required.length > 0) add("always added scopes", list(info.scopes.required));
  if (info.scopes.separator === ",") add("scope separator", "comma");
  const fixed = Object.entries(info.fixed_parameters).map(([name, value]) => `${name}=${value}`);
  if (fixed.length > 0) add("always sent", fixed.join(" "));
  add("instances may add", info.instance_parameters.length === 0 ? "nothing" : list(info.instance_parameters));
  if (info.refresh_token) add("refresh token", REFRESH_BEHAVIOUR_TEXT[info.refresh_token]);
  if (info.pkce) add("PKCE", info.pkce);
  add("redirect URI", `${info.redirect_uri} (register exactly this)`);
  if (relayUrl === null) out.push(`${indent}(pass --relay-url URL to fill in your relay's URL)`);
  if (info.notes) add("notes", wrap(info.notes, indent));
  if (info.scopes_note) add("scopes", wrap(info.scopes_note, indent));
  if (info.unverified.length > 0) {
    add("unverified", wrap(`- ${info.unverified[0]}`, `${indent}  `));
    for (const fact of info.unverified.slice(1)) out.push(`${indent}${wrap(`- ${fact}`, `${indent}  `)}`);
  }
  const operatorVars = Object.fromEntries(
    info.variables.filter((v) => v.operator_only && v.required).map((v) => [v.name, v.example]),
  );
  const app = {
    id: info.id,
    server: info.id,
    client_id: "<client id>",
    ...(Object.keys(operatorVars).length > 0 ? { vars: operatorVars } : {}),
  };
  add("configure", `APPS=[${JSON.stringify(app)}]`);
  out.push(`${indent}${clientSecretVariable(info.id)}=<client secret>`);
  return `${out.join("\n")}\n`;
}

function relayUrlOption(value: unknown): string | null {
  if (value === undefined) return null;
  const raw = String(value);
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash)
    throw new UsageError(`--relay-url must be the relay's http(s) base URL (RELAY_URL), got "${raw}"`);
  return raw.replace(/\/+$/, "");
}

function unknownProvider(id: string): UsageError {
  const similar = CATALOGUE.map((entry) => entry.id).filter((known) => known.includes(id) || id.includes(known));
  const hint = similar.length > 0 ? ` (did you mean ${similar.join(", ")}?)` : "";
  return new UsageError(`unknown provider "${id}"${hint}; "${NAME} providers" lists them`);
}

export const providers: Command = {
  summary: "list the provider catalogue: variables, client auth, scopes, notes, redirect URI",
  help: `Usage: ${NAME} providers [<id>] [--relay-url URL] [--json]

Lists the built-in provider catalogue (APPS "server" ids): template variables (default, required,
operator-only, meaning), client authentication, default scopes, notes and unverified facts, and the
redirect URI to register at the provider: <RELAY_URL>/v1/callback/<app id>. With <id>, everything
about one provider. Needs no relay and no configuration.

Options:
  --relay-url URL  your RELAY_URL, to print the exact redirect URI pattern
  --json           one JSON document on stdout: an array of providers (one object with <id>)
  -h, --help       this help
`,
  async run(args, io) {
    const { values, positionals } = parse(args, { "relay-url": { type: "string" }, json: { type: "boolean" } });
    if (values.help) {
      await io.stdout(providers.help);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError("providers takes at most one <id>");
    const relayUrl = relayUrlOption(values["relay-url"]);
    const id = positionals[0];
    if (id !== undefined) {
      const entry = CATALOGUE.find((candidate) => candidate.id === id);
      if (!entry) throw unknownProvider(id);
      const info = providerInfo(entry, relayUrl);
      await io.stdout(values.json ? `${JSON.stringify(info, null, 2)}\n` : detail(info, relayUrl));
      return 0;
    }
    const infos = CATALOGUE.map((entry) => providerInfo(entry, relayUrl));
    await io.stdout(values.json ? `${JSON.stringify(infos, null, 2)}\n` : table(infos, relayUrl));
    return 0;
  },
};
