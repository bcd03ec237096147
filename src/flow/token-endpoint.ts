import type { AppConfig } from "../config.js";
import type { Vars } from "../servers/profile.js";
import { endpoint } from "../servers/variables.js";
import { basicAuthorization, postTokenRequest, type UpstreamResult } from "../web/upstream.js";
import type { RelayDeps } from "./context.js";

/** A token-endpoint call's outcome: the upstream answer, or refused here by the per-app ceiling. */
export type TokenCallResult = UpstreamResult | { readonly kind: "rate_limited" };

/**
 * Posts a grant to the app's token endpoint (from configuration, never from a request — RFC 9700
 * §4.4.2) with the client credentials the profile asks for: Basic or body, never in the URL. Every
 * call first counts against the app's upstream ceiling, so no client can make the relay hammer a
 * provider with its client secret (docs/SECURITY.md "Abuse limits").
 */
export async function callTokenEndpoint(
  deps: RelayDeps,
  app: AppConfig,
  /** resolveVars' answer: every variable of the token endpoint is set and checked. */
  vars: Vars,
  grant: Record<string, string>,
): Promise<TokenCallResult> {
  const ceiling = deps.limits.upstream;
  if (ceiling && !(await ceiling.hit(`app:${app.id}`))) return { kind: "rate_limited" };
  const { clientAuth, tokenRequestBody, tokenTemplate } = app.server;
  const fields: Record<string, string> = { ...grant };
  let authorization: string | undefined;
  if (clientAuth.method === "client_secret_basic") {
    authorization = basicAuthorization(app.clientId, app.clientSecret, clientAuth.basicEncoding);
  } else {
    fields.client_id = app.clientId;
    fields.client_secret = app.clientSecret;
  }
  return postTokenRequest(
    {
      url: endpoint(tokenTemplate, vars),
      body: tokenRequestBody === "json" ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
      contentType: tokenRequestBody === "json" ? "application/json" : "application/x-www-form-urlencoded",
      authorization,
      timeoutMs: deps.config.upstreamTimeoutMs,
    },
    deps.fetch,
  );
}

export type ExchangeOutcome =
  | { readonly ok: true; readonly token: Record<string, unknown> }
  | { readonly ok: false; readonly error: string; readonly description: string };

/**
 * Token-endpoint failures where no usable answer came back: one code and text for both audiences —
 * delivered to the instance after a code exchange, or returned with `status` to a refresh caller.
 */
export const TRANSPORT_FAILURES = {
  timeout: {
    status: 504,
    error: "temporarily_unavailable",
    description: "The provider's token endpoint did not answer in time.",
  },
  unreachable: {
    status: 502,
    error: "temporarily_unavailable",
    description: "The provider's token endpoint could not be reached.",
  },
  redirect: {
    status: 502,
    error: "server_error",
    description: "The provider's token endpoint answered with a redirect.",
  },
  too_large: { status: 502, error: "server_error", description: "The provider's token response was too large." },
  rate_limited: {
    status: 429,
    error: "temporarily_unavailable",
    description: "The relay is making too many token requests for this app right now; try again in a minute.",
  },
} as const;

/** Token-endpoint error codes passed on to the instance as themselves; others become server_error. */
const FORWARDED_TOKEN_ERRORS = new Set(["invalid_grant", "invalid_scope"]);

/** A JSON token-endpoint answer read against the profile (RFC 6749 §5.1, §5.2). */
export type TokenAnswer =
  /** Tokens the relay forwards; token_type filled in as Bearer where the profile allows it missing. */
  | { readonly kind: "token"; readonly token: Record<string, unknown> }
  /** The provider's own error answer: a 4xx/5xx, or Slack's 200 with `ok: false`. */
  | { readonly kind: "refused"; readonly status: number; readonly code: string; readonly body: Record<string, unknown> }
  /** A success status whose body is not a token the relay can forward: `problem` says why. */
  | { readonly kind: "unusable"; readonly status: number; readonly problem: string };

/**
 * Any 2xx with a usable token is a success (servers answer 201 too). The token must have an
 * access_token and a token_type the profile accepts (RFC 6749 §7.1: compared case-insensitively,
 * Dropbox sends `bearer`); a profile whose provider omits token_type gets Bearer (RFC 6750).
 */
export function readTokenAnswer(
  app: AppConfig,
  result: { readonly status: number; readonly body: Record<string, unknown> },
): TokenAnswer {
  const { status, body } = result;
  const { okField, tokenTypes, bearerIfMissing } = app.server;
  const code = typeof body.error === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(body.error) ? body.error : "";
  if (status < 200 || status > 299 || (okField && body.ok === false)) {
    return { kind: "refused", status: status >= 200 && status <= 299 ? 400 : status, code, body };
  }
  const access = body.access_token;
  if (typeof access !== "string" || access.length === 0 || access.length > 16 * 1024) {
    // GitHub answers a bad code with 200 and an RFC 6749 §5.2 error body: that is a refusal.
    if (code !== "") return { kind: "refused", status: 400, code, body };
    return { kind: "unusable", status, problem: "had no access_token" };
  }
  const type = body.token_type;
  if (type === undefined) {
    return bearerIfMissing
      ? { kind: "token", token: { ...body, token_type: "Bearer" } }
      : { kind: "unusable", status, problem: "had no token_type" };
  }
  if (typeof type === "string" && tokenTypes.includes(type.toLowerCase())) return { kind: "token", token: body };
  const shown = typeof type === "string" && /^[A-Za-z0-9_-]{1,20}$/.test(type) ? `"${type}"` : "an unreadable value";
  return {
    kind: "unusable",
    status,
    problem: `had token_type ${shown}, which this relay does not forward for ${app.server.displayName}`,
  };
}

/**
 * Classifies a code-exchange answer into what the instance is told. Descriptions are fixed texts
 * (plus the provider's RFC 6749 error code and the HTTP status): the upstream body never reaches the
 * browser.
 */
export function classifyExchange(app: AppConfig, result: TokenCallResult): ExchangeOutcome {
  switch (result.kind) {
    case "timeout":
    case "unreachable":
    case "redirect":
    case "too_large":
    case "rate_limited": {
      const { error, description } = TRANSPORT_FAILURES[result.kind];
      return { ok: false, error, description };
    }
    case "not_json":
      return result.status >= 500
        ? { ok: false, error: "temporarily_unavailable", description: "The provider's token endpoint failed." }
        : {
            ok: false,
            error: "server_error",
            description: `The provider's token endpoint answered ${result.status} without JSON.`,
          };
    case "json": {
      const answer = readTokenAnswer(app, result);
      if (answer.kind === "token") return { ok: true, token: answer.token };
      if (answer.kind === "unusable") {
        return {
          ok: false,
          error: "server_error",
          description: `The provider's token response (${answer.status}) ${answer.problem}.`,
        };
      }
      if (FORWARDED_TOKEN_ERRORS.has(answer.code)) {
        return {
          ok: false,
          error: answer.code,
          description: `The provider refused the code exchange (${answer.code}).`,
        };
      }
      if (answer.status >= 500) {
        return { ok: false, error: "temporarily_unavailable", description: "The provider's token endpoint failed." };
      }
      const known = answer.code === "" ? "" : ` (${answer.code.slice(0, 40)})`;
      return { ok: false, error: "server_error", description: `The provider refused the code exchange${known}.` };
    }
  }
}
