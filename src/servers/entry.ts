/**
 * The shape of one catalogue entry: everything the relay needs to know about an OAuth2
 * authorization server, as data. The catalogue (catalogue.ts) is typed by this schema and every
 * entry is parsed with it by the test suite; an operator's own server in APPS is turned into an
 * entry of this shape (generic.ts), so both go through one profile builder (profile.ts).
 */
import * as z from "../schema.js";

/** Template variable names: `{name}` in an endpoint or a default scope. */
export const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

const variableSchema = z.strictObject({
  /** Anchored regular expression a value must match (in addition to the relay's own character rule). */
  pattern: z.string().check(z.regex(/^\^.*\$$/, "must be anchored with ^ and $")),
  example: z.string(),
  default: z.optional(z.string()),
  /** Only the operator may set it (APPS `vars`): it moves the token endpoint to a host of its choosing. */
  operator: z.optional(z.boolean()),
});

/** Scopes as OAuth writes them (RFC 6749 §3.3): one string, tokens separated by single spaces. */
const scopeList = z.string().check(z.regex(/^$|^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/));
/** An allow-list may also escape an asterisk (`\*`: Shippo's one scope is a literal `*`). */
const allowList = z
  .string()
  .check(z.regex(/^$|^(?:[\x21\x23-\x5B\x5D-\x7E]|\\\*)+( (?:[\x21\x23-\x5B\x5D-\x7E]|\\\*)+)*$/));

export const catalogueEntrySchema = z.strictObject({
  // ID_PATTERN of profile.ts, written out: profile.ts imports this module's types.
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/)),
  name: z.string().check(z.minLength(1), z.maxLength(80)),
  /** Authorization endpoint; `{var}` templates; a `#` means the query goes after the fragment (Apollo). */
  authorize: z.string(),
  token: z.string(),
  vars: z.optional(z.record(z.string().check(z.regex(VARIABLE_NAME)), variableSchema)),
  scopes: z.strictObject({
    default: scopeList,
    /** Allow-list: `*` matches letters, digits, `_`, `-`, `.`; `\*` is a literal asterisk. */
    allow: allowList,
    /** How the provider joins scopes in the authorization request (RFC 6749 §3.3 says a space). */
    separator: z.optional(z.enum([" ", ","])),
    /** Always added (Microsoft `offline_access`). */
    required: z.optional(scopeList),
    /**
     * One resource per request (Microsoft): URL scopes name their resource by origin, bare scopes
     * other than the OpenID ones belong to this implicit resource.
     */
    oneResource: z.optional(z.string()),
  }),
  /** Authorization parameters always sent; the instance cannot override them. */
  fixed: z.optional(z.record(z.string(), z.string())),
  /** Authorization parameters an instance may add through `params`. */
  params: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/)))),
  /** Client authentication at the token endpoint (default: client_secret_post). */
  auth: z.optional(
    z.strictObject({
      method: z.enum(["basic", "post"]),
      /** RFC 6749 §2.3.1 says form-encode id and secret before Basic; many servers expect them raw. */
      encoding: z.optional(z.enum(["form", "raw"])),
    }),
  ),
  /** Token request body (default: form, as RFC 6749 §4.1.3 says; Square, Notion, Zendesk take JSON). */
  body: z.optional(z.enum(["form", "json"])),
  /** token_type values accepted, lower case (default: bearer). */
  tokenTypes: z.optional(z.array(z.string())),
  /** The token response may omit token_type; the token is then Bearer (RFC 6750). */
  bearerIfMissing: z.optional(z.boolean()),
  /** The token response carries `ok: false` on errors with status 200 (Slack). */
  okField: z.optional(z.boolean()),
  /** Provider limit on `state`, bytes. */
  stateMax: z.optional(z.wholeNumber(256, 65536)),
  /** RFC 9207: expected `iss` in the authorization response, if the server sends one. */
  issuer: z.optional(z.string()),
  /** RFC 9207: the server always sends `iss`. */
  iss: z.optional(z.boolean()),
});

export type CatalogueEntry = z.output<typeof catalogueEntrySchema>;
