import { parse } from "yaml";

/**
 * The `state` an older Qorus instance sends (the Qorus cloud API protocol): base64 of a YAML
 * mapping that the instance built itself — the connection to update, the provider's token URL,
 * where to send the tokens, and the values for the token request. Not signed or encrypted, so
 * every value is checked against the relay's configuration before anything happens
 * (src/legacy/bridge.ts), and nothing from it ever chooses where the relay sends a request.
 */
export interface QorusState {
  readonly conn: string;
  readonly tokenUri: string;
  readonly authContext: string;
  readonly redirectUri: string;
  readonly updateConnectionUri: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly oauth2App: string;
  /** PKCE verifier the instance used when it built the authorization URL, if any. */
  readonly codeVerifier: string | null;
}

export const QORUS_STATE_MAX = 4096;
const REQUIRED = ["conn", "token_uri", "auth_context", "redirect_uri", "update_connection_uri"] as const;
const FOR_TOKEN_REQUEST = ["client_id", "client_secret", "oauth2_app"] as const;
/** A decoded field longer than this is not a value Qorus makes. */
const FIELD_MAX = 2048;

/**
 * Parses the state: at most 4096 characters of standard base64 (a `+` that arrived as a space, as
 * it does when an instance puts the value in a URL unencoded, is taken back), UTF-8 YAML parsed with
 * the failsafe schema (every scalar a string), no aliases (no "billion laughs"), no duplicate keys,
 * a mapping of strings. Keys other than the ones named here are ignored and never forwarded.
 * Returns the state, or a sentence saying what is wrong (for the relay's error page, never echoing
 * a value).
 */
export function parseQorusState(raw: string): QorusState | string {
  if (raw.length === 0 || raw.length > QORUS_STATE_MAX) return `the state must be 1-${QORUS_STATE_MAX} characters`;
  const base64 = raw.replace(/ /g, "+");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return "the state is not base64";
  let text: string;
  try {
    const binary = atob(base64);
    text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  } catch {
    return "the state is not base64 of UTF-8 text";
  }
  let value: unknown;
  try {
    value = parse(text, { schema: "failsafe", maxAliasCount: 0, uniqueKeys: true, prettyErrors: false });
  } catch {
    return "the state is not a YAML document this relay accepts (aliases, repeated keys and other tags are refused)";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "the state is not a YAML mapping";
  const fields = value as Record<string, unknown>;
  const text_ = (name: string): string | undefined => {
    const field = fields[name];
    return typeof field === "string" && field.length <= FIELD_MAX ? field : undefined;
  };
  for (const name of [...REQUIRED, ...FOR_TOKEN_REQUEST]) {
    if (text_(name) === undefined) return `the state's "${name}" is missing or not a string`;
  }
  if (fields.grant_type !== undefined && fields.grant_type !== "authorization_code")
    return 'the state\'s "grant_type" must be authorization_code';
  if (fields.code_verifier !== undefined && !/^[A-Za-z0-9\-._~]{43,128}$/.test(String(fields.code_verifier)))
    return 'the state\'s "code_verifier" is not an RFC 7636 verifier';
  return {
    conn: text_("conn") ?? "",
    tokenUri: text_("token_uri") ?? "",
    authContext: text_("auth_context") ?? "",
    redirectUri: text_("redirect_uri") ?? "",
    updateConnectionUri: text_("update_connection_uri") ?? "",
    clientId: text_("client_id") ?? "",
    clientSecret: text_("client_secret") ?? "",
    oauth2App: text_("oauth2_app") ?? "",
    codeVerifier: typeof fields.code_verifier === "string" ? fields.code_verifier : null,
  };
}
