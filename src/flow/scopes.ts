import type { ServerProfile, Vars } from "../servers/profile.js";
import { fillTemplate, missingText } from "../servers/variables.js";

/**
 * Scope allow-lists: the consent-phishing control (RFC 9700 §2.3). Only operator-approved scopes may
 * be requested with the relay's app identity. In an allow-list entry `*` matches a run of
 * letters, digits, `_`, `-` and `.` inside one scope token — never `/`, `:`, `@` or a space — so
 * `https://*.crm*.dynamics.com/.default` cannot be stretched to another host or path. `\*` is a
 * literal asterisk (Shippo's one scope is `*`).
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/; // RFC 6749 §3.3 NQCHAR
const compiled = new Map<string, RegExp>();

function patternFor(entry: string): RegExp {
  let regex = compiled.get(entry);
  if (!regex) {
    const body = entry
      .split("\\*")
      .map((literal) =>
        literal
          .split("*")
          .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
          .join("[A-Za-z0-9_.-]*"),
      )
      .join("\\*");
    regex = new RegExp(`^${body}$`);
    compiled.set(entry, regex);
  }
  return regex;
}

export function scopeMatchesAllowList(scope: string, allow: readonly string[]): boolean {
  return allow.some((entry) => patternFor(entry).test(scope));
}

/**
 * Parses a space-delimited scope string against an allow-list. Returns the tokens, or a sentence
 * saying what is wrong with which token.
 */
export function parseScope(raw: string, allow: readonly string[]): string[] | string {
  const tokens = raw.split(" ");
  const seen = new Set<string>();
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) {
      return token === ""
        ? "must be scope tokens separated by single spaces"
        : `"${token.slice(0, 64)}" contains characters not allowed in a scope token`;
    }
    if (token.includes("..")) return `"${token.slice(0, 64)}" contains ".."`;
    if (seen.has(token)) return `"${token.slice(0, 64)}" appears more than once`;
    if (!scopeMatchesAllowList(token, allow)) return `"${token.slice(0, 64)}" is not allowed for this app`;
    seen.add(token);
  }
  return tokens;
}

/**
 * The app's default scopes with template variables filled in (Dynamics:
 * `https://{org}.{crm_region}.dynamics.com/user_impersonation`). Returns an error text naming the
 * variable when one is missing, so the instance learns to set it or to pass `scope`.
 */
export function defaultScopes(defaults: readonly string[], profile: ServerProfile, vars: Vars): string[] | string {
  const scopes: string[] = [];
  for (const template of defaults) {
    const filled = fillTemplate(template, vars);
    if (typeof filled !== "string") {
      return `the default scope needs vars.${missingText(profile, filled.missing)}; set it, or pass scope`;
    }
    scopes.push(filled);
  }
  return scopes;
}

/** Adds the profile's required scopes (e.g. Microsoft `offline_access`) without duplicating. */
export function withRequiredScopes(scopes: readonly string[], required: readonly string[]): string[] {
  return [...scopes, ...required.filter((scope) => !scopes.includes(scope))];
}

/** Scopes every OpenID provider treats as no resource's (OpenID Connect Core §5.4, §11). */
const OPENID_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

/**
 * Microsoft issues a token for one resource per request: `https://graph.microsoft.com/Files.Read`
 * and `https://contoso.crm4.dynamics.com/user_impersonation` together fail only after the user has
 * signed in. A URL scope names its resource by origin; a bare one belongs to `implicitResource`.
 * Returns the sentence to show, or null when the scopes name at most one resource.
 */
export function mixedResources(scopes: readonly string[], implicitResource: string): string | null {
  const resources = new Set<string>();
  for (const scope of scopes) {
    if (OPENID_SCOPES.has(scope)) continue;
    resources.add(URL.canParse(scope) && scope.includes("://") ? new URL(scope).origin : implicitResource);
  }
  if (resources.size <= 1) return null;
  return `the provider issues a token for one resource per request, and these scopes name ${resources.size} (${[...resources].join(", ")}); start one flow per resource`;
}
