import * as z from "../schema.js";
import { isLoopbackHost } from "../web/url-rules.js";
import type { CatalogueEntry } from "./entry.js";
import { ID_PATTERN, RESERVED_AUTH_PARAMS } from "./profile.js";

/** Endpoints must be https; plain http only on loopback, for local testing (RFC 9700 §2.6). */
const endpointUrl = z.string().check(
  z.refine((value) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    return url?.protocol === "https:" || (url?.protocol === "http:" && isLoopbackHost(url.hostname));
  }, "must be an https URL (http is allowed only on 127.0.0.1, [::1] or localhost)"),
);

export const genericServerSchema = z.onFirstUse(() =>
  z.strictObject({
    id: z.string().check(z.regex(ID_PATTERN, "must be 1-32 chars of a-z 0-9 _ -")),
    authorization_endpoint: endpointUrl,
    token_endpoint: endpointUrl,
    issuer: z.optional(endpointUrl),
    // Defaults (applied in genericEntry): client_secret_basic, form, false, " ", false.
    token_endpoint_auth_method: z.optional(z.enum(["client_secret_basic", "client_secret_post"])),
    // RFC 6749 §2.3.1 form-encodes id and secret inside Basic; many servers expect them raw.
    basic_encoding: z.optional(z.enum(["form", "raw"])),
    // A server without S256 is refused: PKCE is the relay's code-injection defence (RFC 9700 §2.1.1).
    pkce: z.enum(["S256"], { error: 'must be "S256": servers without PKCE S256 are not supported' }),
    params: z.optional(
      z.strictObject({ allow: z.array(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/))).check(z.maxLength(32)) }),
    ),
    iss_parameter: z.optional(z.trueOrFalse()),
    state_max: z.optional(z.wholeNumber(256, 65536)),
    scope_separator: z.optional(z.enum([" ", ","])),
    token_type_optional: z.optional(z.trueOrFalse()),
  }),
);
export type GenericServerConfig = z.infer<ReturnType<typeof genericServerSchema>>;

/** An operator-described server as a catalogue entry (no template variables, no default scopes). */
export function genericEntry(server: GenericServerConfig): CatalogueEntry {
  return {
    id: server.id,
    name: server.id,
    authorize: server.authorization_endpoint,
    token: server.token_endpoint,
    auth: {
      method: server.token_endpoint_auth_method === "client_secret_post" ? "post" : "basic",
      encoding: server.basic_encoding,
    },
    params: (server.params?.allow ?? []).filter((name) => !RESERVED_AUTH_PARAMS.has(name)),
    scopes: { default: "", allow: "", separator: server.scope_separator },
    stateMax: server.state_max,
    iss: server.iss_parameter,
    issuer: server.issuer,
    bearerIfMissing: server.token_type_optional,
  };
}
