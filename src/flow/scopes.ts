/**
 * Scope allow-lists: the consent-phishing control (RFC 9700 §2.3). Only operator-approved scopes may
 * be requested with the relay's app identity. In an allow-list entry `*` matches a run of
 * letters, digits, `_`, `-` and `.` inside one scope token — never `/`, `:`, `@` or a space — so
 * `https://*.crm*.dynamics.com/.default` cannot be stretched to another host or path.
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/; // RFC 6749 §3.3 NQCHAR
const compiled = new Map<string, RegExp>();

function patternFor(entry: string): RegExp {
  let regex = compiled.get(entry);
  if (!regex) {
    const body = entry
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
      .join("[A-Za-z0-9_.-]*");
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

/** Adds the profile's required scopes (e.g. Microsoft `offline_access`) without duplicating. */
export function withRequiredScopes(scopes: readonly string[], required: readonly string[]): string[] {
  return [...scopes, ...required.filter((scope) => !scopes.includes(scope))];
}
