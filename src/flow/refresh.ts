import type { Context } from "hono";
import type { AppConfig } from "../config.js";
import * as z from "../schema.js";
import { resolveVars } from "../servers/variables.js";
import { apiError } from "../web/api-error.js";
import { hasMediaType } from "../web/media-type.js";
import type { RelayDeps, RelayEnv } from "./context.js";
import { mixedResources, parseScope } from "./scopes.js";
import { callTokenEndpoint, readTokenAnswer, type TokenCallResult, TRANSPORT_FAILURES } from "./token-endpoint.js";

const refreshSchema = z.onFirstUse(() =>
  z.strictObject({
    grant_type: z.string(),
    refresh_token: z.optional(
      z.string().check(z.regex(/^[\x20-\x7E]{1,16384}$/, "must be 1-16384 printable characters")),
    ),
    scope: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    // Accepted (and ignored) because OAuth clients commonly send it; it must name this app's client.
    client_id: z.optional(z.string().check(z.maxLength(256))),
  }),
);

/**
 * `POST /v1/token/<app>`: refresh, server to server. The relay adds the client credentials and
 * posts to the app's token endpoint from configuration, never from the request (RFC 9700 §4.4.2),
 * and answers with the provider's status and JSON body.
 */
export async function handleRefresh(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const app = deps.config.apps.get(c.req.param("app") ?? "");
  if (!app) return apiError(c, 404, "invalid_request", "unknown app; GET /v1/apps lists the apps");
  if (!hasMediaType(c, "application/x-www-form-urlencoded")) {
    return apiError(
      c,
      415,
      "invalid_request",
      "send the refresh request form-encoded (application/x-www-form-urlencoded)",
    );
  }
  // No prototype: a parameter named "constructor" or "__proto__" is just an unknown parameter.
  const values: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(await c.req.text())) {
    if (name in values)
      return apiError(c, 400, "invalid_request", `parameter "${name.slice(0, 64)}" appears more than once`);
    values[name] = value;
  }
  // The grant type is judged first: another grant with its own parameters (password, code…) is
  // unsupported here, not a malformed refresh (RFC 6749 §5.2).
  if (values.grant_type !== undefined && values.grant_type !== "refresh_token") {
    return apiError(c, 400, "unsupported_grant_type", "only grant_type=refresh_token is accepted here");
  }
  // Template variables travel as fields named after them (`tenant`, `account_id`, …).
  const requested: Record<string, string> = {};
  for (const variable of app.server.variables) {
    const value = values[variable.name];
    if (value === undefined) continue;
    requested[variable.name] = value;
    delete values[variable.name];
  }
  const parsed = refreshSchema().safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const text =
      issue?.code === "unrecognized_keys"
        ? `unknown parameter: ${issue.keys.join(", ").slice(0, 128)}`
        : `${issue?.path.join(".") ?? "body"}: ${issue?.message ?? "invalid"}`;
    return apiError(c, 400, "invalid_request", text);
  }
  const body = parsed.data;
  if (body.refresh_token === undefined) return apiError(c, 400, "invalid_request", "refresh_token: required");
  if (body.client_id !== undefined && body.client_id !== app.clientId) {
    return apiError(c, 400, "invalid_request", "client_id: does not match this app");
  }
  const grant: Record<string, string> = { grant_type: "refresh_token", refresh_token: body.refresh_token };
  if (body.scope !== undefined) {
    const scopes = parseScope(body.scope, app.scopes.allow);
    if (typeof scopes === "string") return apiError(c, 400, "invalid_scope", `scope: ${scopes}`);
    const { oneResource, scopeSeparator } = app.server;
    const mixed = oneResource === null ? null : mixedResources(scopes, oneResource);
    if (mixed !== null) return apiError(c, 400, "invalid_scope", `scope: ${mixed}`);
    grant.scope = scopes.join(scopeSeparator);
  }
  const vars = resolveVars(app.server, app.vars, requested);
  if (typeof vars === "string") return apiError(c, 400, "invalid_request", vars);
  return answerTokenCall(c, deps, app, await callTokenEndpoint(deps, app, vars, grant));
}

/**
 * A refresh's upstream answer for the (server-side) caller: the provider's status and JSON body as
 * they came, or the relay's own JSON error for what never produced one; one refresh record when
 * the provider issued a token. Shared with the Qorus bridge's refresh.
 */
export function answerTokenCall(c: Context, deps: RelayDeps, app: AppConfig, upstream: TokenCallResult): Response {
  switch (upstream.kind) {
    case "rate_limited":
      c.header("Retry-After", String(deps.limits.retryAfterSeconds));
      return apiError(c, 429, TRANSPORT_FAILURES.rate_limited.error, TRANSPORT_FAILURES.rate_limited.description);
    case "timeout":
    case "unreachable":
    case "redirect":
    case "too_large": {
      const failure = TRANSPORT_FAILURES[upstream.kind];
      return apiError(c, failure.status, failure.error, failure.description);
    }
    case "not_json":
      return apiError(c, 502, "server_error", `the provider's token endpoint answered ${upstream.status} without JSON`);
    case "json": {
      const answer = readTokenAnswer(app, upstream);
      if (answer.kind === "token") {
        deps.recorder.record({ server: app.server.id, grant: "refresh_token" });
        return c.json(answer.token, 200);
      }
      // The same rule as the code exchange: a success status without a usable token is no success.
      if (answer.kind === "unusable") {
        return apiError(c, 502, "server_error", `the provider's token response (${answer.status}) ${answer.problem}`);
      }
      // The provider's own error answer, as it came (RFC 6749 §5.2).
      const status = answer.status >= 400 && answer.status < 600 ? answer.status : 502;
      return c.json(answer.body, status as 400);
    }
  }
}
