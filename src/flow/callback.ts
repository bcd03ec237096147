import type { Context } from "hono";
import type { AppConfig } from "../config.js";
import { type ProviderAnswer, sealPending } from "../crypto/pending.js";
import { openRelayState } from "../crypto/relay-state.js";
import { confirmPage, htmlPage, invalidRequestPage } from "../web/pages.js";
import { type CallbackParams, readCallbackParams } from "./callback-params.js";
import { claimOnce, completeFlow, noLongerAllowedPage } from "./complete.js";
import { nowSeconds, type RelayEnv } from "./context.js";
import { normalizeErrorCode, plainDescription } from "./provider-errors.js";
import { checkReturnTo } from "./return-policy.js";

/** RFC 9207 §2.4: when the server sends `iss` (or must), it has to be the configured issuer. */
function issuerMismatch(app: AppConfig, params: CallbackParams): boolean {
  const { issuer, issParameter } = app.server;
  if (issParameter && params.iss === undefined) return true;
  return params.iss !== undefined && issuer !== null && params.iss !== issuer;
}

/** The provider's answer as the relay will act on it (an error wins over a code: never exchange then). */
function providerAnswer(app: AppConfig, params: CallbackParams): ProviderAnswer {
  if (issuerMismatch(app, params)) {
    return {
      error: "server_error",
      errorDescription: "The authorization response did not come from the expected server (RFC 9207 iss mismatch).",
    };
  }
  if (params.error !== undefined) {
    return { error: normalizeErrorCode(params.error), errorDescription: plainDescription(params.error_description) };
  }
  if (params.code === undefined) {
    return { error: "server_error", errorDescription: "The provider returned neither a code nor an error." };
  }
  return { code: params.code };
}

/** `GET|POST /v1/callback/<app>`: provider → browser → relay → instance. */
export async function handleCallback(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  const app = config.apps.get(c.req.param("app") ?? "");
  const params = await readCallbackParams(c);
  if (!app || !params) return invalidRequestPage(c);

  const state = await openRelayState(params.state, config.stateKeys, nowSeconds(deps));
  if (typeof state === "string" || state.app !== app.id) return invalidRequestPage(c);
  // One callback per relay state: a replayed state (with a made-up code, say) costs no upstream call.
  const replayed = await claimOnce(c, deps, "state", params.state, state.exp);
  if (replayed) return replayed;

  // Re-check return_to against the policy in force now.
  const decision = checkReturnTo(state.returnTo, config.returnPolicy, config.returnOrigins);
  if (decision.kind === "refused") return noLongerAllowedPage(c);

  const answer = providerAnswer(app, params);
  if (decision.kind === "confirm") {
    // Neither loopback nor listed: nothing is exchanged and nothing is sent anywhere until the user,
    // in this browser, confirms the origin on the relay's own page (RFC 9700 §4.11.2).
    const pending = await sealPending(state, answer, config.stateKeys, nowSeconds(deps));
    return htmlPage(
      c,
      confirmPage({
        appName: app.name,
        origin: new URL(state.returnTo).origin,
        action: `${config.relayUrl}/v1/confirm`,
        pending,
        providerError: "error" in answer,
      }),
      200,
    );
  }
  return completeFlow(c, deps, app, state, answer);
}
