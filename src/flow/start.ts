import type { Context } from "hono";
import type { ResponseMode } from "../config.js";
import { parseInstanceKey, toInstanceKey, unusableKeyReason } from "../crypto/instance-key.js";
import { newVerifierBytes, s256Challenge, verifierFromBytes } from "../crypto/pkce.js";
import { type RelayState, sealRelayState } from "../crypto/relay-state.js";
import * as z from "../schema.js";
import { resolveVars } from "../servers/variables.js";
import { apiError } from "../web/api-error.js";
import { hasMediaType } from "../web/media-type.js";
import { findDuplicateKey } from "../web/strict-json.js";
import { buildAuthorizationUrl } from "./authorization-url.js";
import { nowSeconds, type RelayEnv } from "./context.js";
import { defaultResponseMode } from "./deliver.js";
import { checkReturnTo } from "./return-policy.js";
import { defaultScopes, mixedResources, parseScope, withRequiredScopes } from "./scopes.js";

/** `POST /v1/flows` body (PROTOCOL §3.1): strict, every field bounded. */
const flowRequestSchema = z.onFirstUse(() =>
  z.strictObject({
    app: z.string().check(z.maxLength(64)),
    return_to: z.string().check(z.maxLength(2048)),
    state: z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9\-_.~]{22,128}$/,
          "must be 22-128 characters of A-Z a-z 0-9 - _ . ~ (a fresh random nonce)",
        ),
      ),
    /** Checked by parseInstanceKey, whose schema depends on the key's `kty`. */
    key: z.unknown(),
    scope: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    /** Template variables of the app's server (Microsoft tenant, NetSuite account_id, …). */
    vars: z.optional(
      z
        .record(z.string().check(z.maxLength(32)), z.string().check(z.minLength(1), z.maxLength(253)))
        .check(z.refine((vars) => Object.keys(vars).length <= 8, "at most 8 variables")),
    ),
    /** The older spelling of `vars.tenant`. */
    tenant: z.optional(z.string().check(z.minLength(1), z.maxLength(253))),
    response_mode: z.optional(z.enum(["form_post", "query", "fragment"])),
    params: z.optional(
      z.record(
        z.string().check(z.maxLength(64)),
        z.string().check(z.minLength(1), z.maxLength(512), z.regex(/^[\x20-\x7E]*$/, "must be printable ASCII")),
      ),
    ),
  }),
);

export async function startFlow(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  if (!hasMediaType(c, "application/json")) {
    return apiError(c, 415, "invalid_request", "send the flow request as JSON (Content-Type: application/json)");
  }
  const text = await c.req.text();
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null)
    return apiError(c, 400, "invalid_request", `field "${duplicate.slice(0, 64)}" appears more than once`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return apiError(c, 400, "invalid_request", "request body is not valid JSON");
  }
  const parsed = flowRequestSchema().safeParse(json);
  if (!parsed.success) return apiError(c, 400, "invalid_request", z.describeIssue("", parsed.error));
  const body = parsed.data;
  const key = parseInstanceKey(body.key);
  if (typeof key === "string") return apiError(c, 400, "invalid_request", key);

  const app = config.apps.get(body.app);
  if (!app) return apiError(c, 400, "invalid_request", `app: unknown app "${body.app}"; GET /v1/apps lists the apps`);
  const profile = app.server;

  const returnDecision = checkReturnTo(body.return_to, config.returnPolicy, config.returnOrigins);
  if (returnDecision.kind === "refused")
    return apiError(c, 400, "invalid_request", `return_to: ${returnDecision.reason}`);

  const requested: Record<string, string> = { ...body.vars };
  if (body.tenant !== undefined) {
    if (requested.tenant !== undefined && requested.tenant !== body.tenant)
      return apiError(c, 400, "invalid_request", "tenant: also given as vars.tenant, with another value; send one");
    requested.tenant = body.tenant;
  }
  const vars = resolveVars(profile, app.vars, requested);
  if (typeof vars === "string") return apiError(c, 400, "invalid_request", `vars.${vars}`);

  const scopes =
    body.scope === undefined
      ? defaultScopes(app.scopes.default, profile, vars)
      : parseScope(body.scope, app.scopes.allow);
  if (typeof scopes === "string") return apiError(c, 400, "invalid_scope", `scope: ${scopes}`);
  const mixed = profile.oneResource === null ? null : mixedResources(scopes, profile.oneResource);
  if (mixed !== null) return apiError(c, 400, "invalid_scope", `scope: ${mixed}`);

  const params = body.params ?? {};
  for (const name of Object.keys(params)) {
    if (!profile.allowedParams.includes(name)) {
      const allowed = profile.allowedParams.length > 0 ? profile.allowedParams.join(", ") : "none";
      return apiError(
        c,
        400,
        "invalid_request",
        `params.${name.slice(0, 64)}: not allowed for this app (allowed: ${allowed})`,
      );
    }
  }

  const instanceKey = toInstanceKey(key);

  const now = nowSeconds(deps);
  const responseMode: ResponseMode = body.response_mode ?? defaultResponseMode(body.return_to);
  const state: RelayState = {
    app: app.id,
    vars: requested,
    returnTo: body.return_to,
    instanceState: body.state,
    instanceKey,
    responseMode,
    verifier: newVerifierBytes(),
    iat: now,
    exp: now + config.stateTtl,
  };
  // The key check, the sealing and the PKCE challenge are independent: run them together (with
  // WebCrypto on Node each is a thread-pool round trip). The key error wins.
  const [unusable, relayState, codeChallenge] = await Promise.all([
    unusableKeyReason(instanceKey),
    sealRelayState(state, config.stateKeys),
    s256Challenge(verifierFromBytes(state.verifier)),
  ]);
  if (unusable !== null) return apiError(c, 400, "invalid_request", unusable);
  const stateBytes = new TextEncoder().encode(relayState).length;
  if (profile.stateMax !== null && stateBytes > profile.stateMax) {
    return apiError(
      c,
      400,
      "invalid_request",
      `the relay state would be ${stateBytes} bytes, over ${profile.displayName}'s limit of ${profile.stateMax}; shorten return_to (${body.return_to.length} chars) or state (${body.state.length} chars), or use an X25519 or oct key`,
    );
  }
  // Always the provider's own URL: an unlisted return origin is confirmed after the provider, at the
  // callback, where only the user's own browser arrives with the user's code (RFC 9700 §4.11.2).
  const authorizationUrl = buildAuthorizationUrl(
    app,
    config.relayUrl,
    relayState,
    vars,
    codeChallenge,
    withRequiredScopes(scopes, profile.requiredScopes),
    params,
  );
  // `issuer`: what the result's `iss` will be, whatever host name the instance used to reach us.
  return c.json({ authorization_url: authorizationUrl, expires_at: state.exp, issuer: config.relayUrl }, 201);
}
