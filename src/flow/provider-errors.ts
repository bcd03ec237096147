/**
 * Normalizing what a provider says on the authorization response (RFC 6749 §4.1.2.1). The error
 * code is passed on only if it is a known one; the description is untrusted text, passed on as
 * plain text, stripped of control characters and capped (RFC 9207 §2.4: it may not even come from
 * the intended server).
 */
const KNOWN_AUTHORIZATION_ERRORS = new Set([
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
  // OpenID Connect Core §3.1.2.6, used by Microsoft:
  "interaction_required",
  "login_required",
  "consent_required",
  "account_selection_required",
  "invalid_resource",
]);

export const DESCRIPTION_MAX = 512;

export function normalizeErrorCode(code: string): string {
  return KNOWN_AUTHORIZATION_ERRORS.has(code) ? code : "server_error";
}

export function plainDescription(text: string | undefined): string {
  if (!text) return "";
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return clean.length > DESCRIPTION_MAX ? `${clean.slice(0, DESCRIPTION_MAX - 1)}…` : clean;
}
