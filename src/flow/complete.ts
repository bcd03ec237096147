import type { Context } from "hono";
import type { AppConfig } from "../config.js";
import { keyedHash } from "../crypto/keyed-hash.js";
import type { ProviderAnswer } from "../crypto/pending.js";
import { verifierFromBytes } from "../crypto/pkce.js";
import { CLOCK_TOLERANCE, type RelayState } from "../crypto/relay-state.js";
import { encryptResult, prepareResultKey } from "../crypto/result.js";
import type { Vars } from "../servers/profile.js";
import { resolveVars } from "../servers/variables.js";
import { htmlPage, invalidRequestPage, messagePage } from "../web/pages.js";
import { callbackUrl } from "./authorization-url.js";
import { nowSeconds, type RelayDeps } from "./context.js";
import { type Delivery, deliver } from "./deliver.js";
import { callTokenEndpoint, classifyExchange, type ExchangeOutcome } from "./token-endpoint.js";

// How a flow finishes once the relay may deliver to its return_to: shared by the callback (loopback
// and listed origins) and the confirmation (after the user chose Send); the one-use rule with it.

/** What is used once: v1 relay states and pending objects, and the Qorus bridge's own two. */
export type OneUsePurpose = "state" | "pending" | "qorus-state" | "qorus-pending";

/**
 * The one-use rule for sealed objects that come back through the browser (a relay state at the
 * callback, a pending object at the confirmation): the first use wins; a second one, or one the
 * guard cannot record, is refused before any upstream call. Only a keyed hash is remembered, and
 * only until the object expires.
 */
export async function claimOnce(
  c: Context,
  deps: RelayDeps,
  purpose: OneUsePurpose,
  token: string,
  expiresAt: number,
): Promise<Response | null> {
  const key = await keyedHash(deps.config.stateKeys.hashKey, purpose, token);
  const claim = await deps.limits.once.claim(`${purpose}:${key}`, expiresAt + CLOCK_TOLERANCE);
  if (claim === "first") return null;
  if (claim === "used") return invalidRequestPage(c);
  c.header("Retry-After", String(deps.limits.retryAfterSeconds));
  return htmlPage(
    c,
    messagePage("The relay is busy", "Too many sign-ins are in progress right now. Wait a minute, then start again."),
    503,
  );
}

/**
 * The one code exchange (RFC 6749 §4.1.3) with PKCE, recorded when it succeeds. Never retried:
 * codes are single-use.
 */
export async function exchangeAuthorizationCode(
  deps: RelayDeps,
  app: AppConfig,
  vars: Vars,
  grant: { readonly code: string; readonly redirectUri: string; readonly codeVerifier: string | null },
): Promise<ExchangeOutcome> {
  const upstream = await callTokenEndpoint(deps, app, vars, {
    grant_type: "authorization_code",
    code: grant.code,
    redirect_uri: grant.redirectUri,
    ...(grant.codeVerifier === null ? {} : { code_verifier: grant.codeVerifier }),
  });
  const outcome = classifyExchange(app, upstream);
  if (outcome.ok) deps.recorder.record({ server: app.server.id, grant: "authorization_code" });
  return outcome;
}

async function exchangeCode(deps: RelayDeps, app: AppConfig, state: RelayState, code: string): Promise<Delivery> {
  const { config } = deps;
  // Checked again: the app's configuration may have changed since the flow started.
  const vars = resolveVars(app.server, app.vars, state.vars);
  if (typeof vars === "string") {
    return { error: "server_error", errorDescription: `The relay's configuration of this app changed (${vars}).` };
  }
  // Key import + thumbprint do not depend on the token: run them while the exchange is in flight.
  const resultKey = prepareResultKey(state.instanceKey);
  resultKey.catch(() => {}); // awaited below on success; a failed exchange must not leave it unhandled
  const outcome = await exchangeAuthorizationCode(deps, app, vars, {
    code,
    redirectUri: callbackUrl(config.relayUrl, app.id),
    codeVerifier: verifierFromBytes(state.verifier),
  });
  if (!outcome.ok) return { error: outcome.error, errorDescription: outcome.description };
  const result = await encryptResult(
    {
      state: state.instanceState,
      app: app.id,
      server: app.server.id,
      tenant: vars.tenant ?? null,
      token: outcome.token,
    },
    state.instanceKey,
    config.relayUrl,
    nowSeconds(deps),
    resultKey,
  );
  return { result };
}

/**
 * Steps 5-7 of the callback, for a return origin the user may receive at: deliver the provider's
 * error, or exchange the code once and deliver the encrypted result. Called by the callback for
 * loopback and listed origins, and by the confirmation after the user chose Send.
 */
export async function completeFlow(
  c: Context,
  deps: RelayDeps,
  app: AppConfig,
  state: RelayState,
  answer: ProviderAnswer,
): Promise<Response> {
  if ("error" in answer) return deliver(c, state, answer);
  return deliver(c, state, await exchangeCode(deps, app, state, answer.code));
}

/** The page for a return_to that the policy in force no longer allows. */
export function noLongerAllowedPage(c: Context): Promise<Response> {
  return htmlPage(
    c,
    messagePage(
      "This connection cannot be completed",
      "The application's return address is no longer allowed by this relay. Ask the relay's operator, then start again.",
    ),
    400,
  );
}
