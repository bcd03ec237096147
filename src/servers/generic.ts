import * as z from "../schema.js";
import { isLoopbackHost } from "../web/url-rules.js";
import { NO_TENANT, type ServerProfile } from "./profile.js";

/** Endpoints must be https; plain http only on loopback, for local testing (RFC 9700 §2.6). */
const endpointUrl = z.url().check(
  z.refine((value) => {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  }, "must be an https URL (http is allowed only on 127.0.0.1, [::1] or localhost)"),
);

export const genericServerSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1-32 chars of a-z 0-9 _ -")),
  authorization_endpoint: endpointUrl,
  token_endpoint: endpointUrl,
  issuer: z.optional(endpointUrl),
  token_endpoint_auth_method: z._default(z.enum(["client_secret_basic", "client_secret_post"]), "client_secret_basic"),
  // A server without S256 is refused: PKCE is the relay's code-injection defence (RFC 9700 §2.1.1).
  pkce: z.literal("S256", { error: 'must be "S256": servers without PKCE S256 are not supported' }),
  params: z.optional(
    z.strictObject({ allow: z.array(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/))).check(z.maxLength(32)) }),
  ),
  iss_parameter: z._default(z.boolean(), false),
  state_max: z.optional(z.int().check(z.gte(256), z.lte(65536))),
});
export type GenericServerConfig = z.infer<typeof genericServerSchema>;

/** Parameters the flow code sets itself: never allowed through `params`. */
const RESERVED_PARAMS = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
  "response_mode",
]);

export function genericProfile(server: GenericServerConfig): ServerProfile {
  return {
    id: server.id,
    displayName: server.id,
    authorizationEndpoint: () => server.authorization_endpoint,
    tokenEndpoint: () => server.token_endpoint,
    tokenEndpointAuthMethod: server.token_endpoint_auth_method,
    fixedAuthParams: {},
    allowedParams: (server.params?.allow ?? []).filter((name) => !RESERVED_PARAMS.has(name)),
    requiredScopes: [],
    defaultScopes: [],
    allowedScopes: [],
    stateMax: server.state_max ?? null,
    issParameter: server.iss_parameter,
    issuer: server.issuer ?? null,
    tenant: NO_TENANT,
  };
}
