import { z } from "zod";
import { isLoopbackHost } from "../web/url-rules.js";
import { NO_TENANT, type ServerProfile } from "./profile.js";

/** Endpoints must be https; plain http only on loopback, for local testing (RFC 9700 §2.6). */
const endpointUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
}, "must be an https URL (http is allowed only on 127.0.0.1, [::1] or localhost)");

export const genericServerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1-32 chars of a-z 0-9 _ -"),
  authorization_endpoint: endpointUrl,
  token_endpoint: endpointUrl,
  issuer: endpointUrl.optional(),
  token_endpoint_auth_method: z.enum(["client_secret_basic", "client_secret_post"]).default("client_secret_basic"),
  // A server without S256 is refused: PKCE is the relay's code-injection defence (RFC 9700 §2.1.1).
  pkce: z.literal("S256", { error: 'must be "S256": servers without PKCE S256 are not supported' }),
  params: z.strictObject({ allow: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/)).max(32) }).optional(),
  iss_parameter: z.boolean().default(false),
  state_max: z.number().int().min(256).max(65536).optional(),
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
