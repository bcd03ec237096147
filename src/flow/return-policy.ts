import { isLoopbackHost } from "../web/url-rules.js";

/** `confirm`: unlisted https origins are confirmed by the user after the provider; `allowlist`: refused. */
export type ReturnPolicy = "confirm" | "allowlist";

/** One RETURN_ORIGINS entry: an exact origin, or `https://*.domain` for any subdomain. */
export interface OriginPattern {
  readonly scheme: "http:" | "https:";
  readonly host: string;
  readonly port: string;
  readonly wildcard: boolean;
}

export const RETURN_TO_MAX = 512;

/** Parses a RETURN_ORIGINS entry; returns a phrase saying what is wrong on failure. */
export function parseOriginPattern(entry: string): OriginPattern | string {
  const wildcard = /^https:\/\/\*\./.test(entry);
  const probe = wildcard ? entry.replace("*.", "wildcard.") : entry;
  if (!URL.canParse(probe)) return "is not an origin such as https://qorus.acme.com";
  const url = new URL(probe);
  if (url.origin !== probe) return "must be an origin only (scheme://host[:port], no path or trailing slash)";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must use https (or http for a LAN instance)";
  if (wildcard && url.hostname.split(".").length < 3) return "wildcard must cover a domain such as https://*.acme.com";
  return {
    scheme: url.protocol,
    host: wildcard ? url.hostname.slice("wildcard".length) : url.hostname,
    port: url.port,
    wildcard,
  };
}

function matches(url: URL, pattern: OriginPattern): boolean {
  if (url.protocol !== pattern.scheme || url.port !== pattern.port) return false;
  return pattern.wildcard ? url.hostname.endsWith(pattern.host) : url.hostname === pattern.host;
}

export type ReturnDecision =
  | { readonly kind: "direct" }
  | { readonly kind: "confirm" }
  | { readonly kind: "refused"; readonly reason: string };

/**
 * Decides whether the relay may deliver to `return_to` (RFC 9700 §4.11: no open redirector).
 * Applied at `POST /v1/flows` and again at callback time, against the policy then in force.
 */
export function checkReturnTo(raw: string, policy: ReturnPolicy, origins: readonly OriginPattern[]): ReturnDecision {
  const refuse = (reason: string): ReturnDecision => ({ kind: "refused", reason });
  if (raw.length > RETURN_TO_MAX) return refuse(`must be at most ${RETURN_TO_MAX} characters`);
  if (!URL.canParse(raw)) return refuse("must be an absolute URL");
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse("must use https (or http on loopback)");
  // Equal to its own WHATWG serialization: refuses http://127.1/, http://0x7f000001/, backslashes…
  if (url.href !== raw) return refuse(`must be written in canonical form (${url.href.slice(0, RETURN_TO_MAX)})`);
  if (url.username || url.password) return refuse("must not contain user information");
  if (raw.includes("#")) return refuse("must not contain a fragment");
  if (isLoopbackHost(url.hostname)) return { kind: "direct" };
  if (origins.some((pattern) => matches(url, pattern))) return { kind: "direct" };
  if (url.protocol !== "https:")
    return refuse("http is accepted only on loopback or for an origin listed in RETURN_ORIGINS");
  // Confirmed by the user on the relay's page at the callback, after the provider.
  if (policy === "confirm") return { kind: "confirm" };
  return refuse("its origin is not listed in the relay's RETURN_ORIGINS");
}
