/**
 * A server profile: a catalogue entry (entry.ts) made ready for use — its template variables
 * compiled, its defaults filled in. Provider quirks are data in the entry; the flow code reads the
 * profile and never asks which provider it is talking to.
 */
import type { CatalogueEntry } from "./entry.js";

/**
 * App and server ids (APPS `id`, `server`, a generic server's `id`, catalogue ids): lower case, so
 * that `CLIENT_SECRET_<ID>` and the anonymous record's `server` stay plain.
 */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Authorization parameters the relay sets itself (RFC 6749 §4.1.1, RFC 7636 §4.3): no entry, app or
 * instance may allow or fix them (a catalogue entry may fix `response_mode`, Microsoft's form_post).
 */
export const RESERVED_AUTH_PARAMS: ReadonlySet<string> = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "response_mode",
]);

/** Template variable values by name, e.g. `{ tenant: "contoso.onmicrosoft.com" }`. */
export type Vars = Readonly<Record<string, string>>;

export interface TemplateVariable {
  readonly name: string;
  readonly pattern: RegExp;
  readonly example: string;
  readonly default: string | null;
  /** Settable only in APPS, never by an instance (it can move the token endpoint's host). */
  readonly operatorOnly: boolean;
}

export interface ClientAuthentication {
  readonly method: "client_secret_basic" | "client_secret_post";
  /** How id and secret are encoded inside Basic (RFC 6749 §2.3.1 `form`, or `raw`). */
  readonly basicEncoding: "form" | "raw";
}

export interface ServerProfile {
  /** The anonymous identifier that gets recorded (e.g. `dropbox`). */
  readonly id: string;
  readonly displayName: string;
  readonly authorizeTemplate: string;
  readonly tokenTemplate: string;
  readonly variables: readonly TemplateVariable[];
  readonly clientAuth: ClientAuthentication;
  readonly tokenRequestBody: "form" | "json";
  /** Parameters the relay always adds to the authorization request; callers cannot override them. */
  readonly fixedAuthParams: Readonly<Record<string, string>>;
  /** Extra authorization parameters an instance may pass through `params`. */
  readonly allowedParams: readonly string[];
  /** Scopes always added to the request (e.g. Microsoft `offline_access`). */
  readonly requiredScopes: readonly string[];
  /** May contain `{var}` templates (Dynamics environment scopes). */
  readonly defaultScopes: readonly string[];
  readonly allowedScopes: readonly string[];
  readonly scopeSeparator: " " | ",";
  /** One resource per request, bare scopes belonging to this one (Microsoft); null: no rule. */
  readonly oneResource: string | null;
  /** Provider limit on the `state` parameter, in bytes, if it has one. */
  readonly stateMax: number | null;
  /** RFC 9207: when true the callback must carry `iss` equal to `issuer`. */
  readonly issParameter: boolean;
  readonly issuer: string | null;
  /** Accepted token_type values, lower case. */
  readonly tokenTypes: readonly string[];
  readonly bearerIfMissing: boolean;
  readonly okField: boolean;
}

function scopeList(scopes: string | undefined): string[] {
  return scopes ? scopes.split(" ") : [];
}

export function profileFromEntry(entry: CatalogueEntry): ServerProfile {
  const basic = entry.auth?.method === "basic";
  return {
    id: entry.id,
    displayName: entry.name,
    authorizeTemplate: entry.authorize,
    tokenTemplate: entry.token,
    variables: Object.entries(entry.vars ?? {}).map(([name, variable]) => ({
      name,
      pattern: new RegExp(variable.pattern),
      example: variable.example,
      default: variable.default ?? null,
      operatorOnly: variable.operator ?? false,
    })),
    clientAuth: {
      method: basic ? "client_secret_basic" : "client_secret_post",
      basicEncoding: entry.auth?.encoding ?? "form",
    },
    tokenRequestBody: entry.body ?? "form",
    fixedAuthParams: entry.fixed ?? {},
    allowedParams: entry.params ?? [],
    requiredScopes: scopeList(entry.scopes.required),
    defaultScopes: scopeList(entry.scopes.default),
    allowedScopes: scopeList(entry.scopes.allow),
    scopeSeparator: entry.scopes.separator ?? " ",
    oneResource: entry.scopes.oneResource ?? null,
    stateMax: entry.stateMax ?? null,
    issParameter: entry.iss ?? false,
    issuer: entry.issuer ?? null,
    tokenTypes: entry.tokenTypes ?? ["bearer"],
    bearerIfMissing: entry.bearerIfMissing ?? false,
    okField: entry.okField ?? false,
  };
}
