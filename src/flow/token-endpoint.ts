import type { AppConfig } from "../config.js";
import * as z from "../schema.js";
import { basicAuthorization, postTokenRequest, type UpstreamResult } from "../web/upstream.js";
import type { RelayDeps } from "./context.js";

/** RFC 6749 §5.1 success response: what the relay insists on before it forwards tokens. */
const tokenResponseSchema = z.looseObject({
  access_token: z.string().check(z.minLength(1), z.maxLength(16 * 1024)),
  // Dropbox sends `bearer`, Microsoft `Bearer`: compare case-insensitively (RFC 6749 §7.1).
  token_type: z.string().check(z.regex(/^bearer$/i)),
});

export function isTokenResponse(body: Record<string, unknown>): boolean {
  return tokenResponseSchema.safeParse(body).success;
}

/** A token-endpoint call's outcome: the upstream answer, or refused here by the per-app ceiling. */
export type TokenCallResult = UpstreamResult | { readonly kind: "rate_limited" };

/**
 * Posts a grant to the app's token endpoint (from configuration, never from a request — RFC 9700
 * §4.4.2) with the client credentials the profile asks for: Basic or body, never in the URL. Every
 * call first counts against the app's upstream ceiling, so no client can make the relay hammer a
 * provider with its client secret (DESIGN "Abuse limits").
 */
export async function callTokenEndpoint(
  deps: RelayDeps,
  app: AppConfig,
  tenant: string | null,
  grant: Record<string, string>,
): Promise<TokenCallResult> {
  const ceiling = deps.limits.upstream;
  if (ceiling && !(await ceiling.hit(`app:${app.id}`))) return { kind: "rate_limited" };
  const form = new URLSearchParams(grant);
  let authorization: string | undefined;
  if (app.server.tokenEndpointAuthMethod === "client_secret_basic") {
    authorization = basicAuthorization(app.clientId, app.clientSecret);
  } else {
    form.set("client_id", app.clientId);
    form.set("client_secret", app.clientSecret);
  }
  return postTokenRequest(
    { url: app.server.tokenEndpoint(tenant), form, authorization, timeoutMs: deps.config.upstreamTimeoutMs },
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

/**
 * Classifies a code-exchange answer into what the instance is told. Descriptions are fixed texts
 * (plus the provider's RFC 6749 error code): the upstream body never reaches the browser.
 */
export function classifyExchange(result: TokenCallResult): ExchangeOutcome {
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
        : { ok: false, error: "server_error", description: "The provider's token endpoint did not answer with JSON." };
    case "json": {
      if (result.status === 200 && isTokenResponse(result.body)) return { ok: true, token: result.body };
      if (result.status === 200) {
        return {
          ok: false,
          error: "server_error",
          description: "The provider's token response had no bearer access_token.",
        };
      }
      const code = typeof result.body.error === "string" ? result.body.error : "";
      if (FORWARDED_TOKEN_ERRORS.has(code)) {
        return { ok: false, error: code, description: `The provider refused the code exchange (${code}).` };
      }
      if (result.status >= 500) {
        return { ok: false, error: "temporarily_unavailable", description: "The provider's token endpoint failed." };
      }
      const known = /^[a-z_]{1,40}$/.test(code) ? ` (${code})` : "";
      return { ok: false, error: "server_error", description: `The provider refused the code exchange${known}.` };
    }
  }
}
