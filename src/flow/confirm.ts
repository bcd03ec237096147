import type { Context } from "hono";
import { openConfirmToken } from "../crypto/confirm-token.js";
import { openRelayState } from "../crypto/relay-state.js";
import { confirmPage } from "../web/pages.js";
import { nowSeconds, type RelayEnv } from "./context.js";
import { deliver, htmlPage, invalidRequestPage } from "./deliver.js";
import { checkReturnTo } from "./return-policy.js";

/**
 * `GET /v1/confirm?state=…[&action=cancel]`: the interstitial for an https return origin that is not
 * in RETURN_ORIGINS (RFC 9700 §4.11.2, consent phishing). Continue is a plain link to the provider;
 * Cancel delivers `access_denied` to the instance like any other outcome.
 */
export async function handleConfirm(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  const query = new URL(c.req.url).searchParams;
  const tokens = query.getAll("state");
  const actions = query.getAll("action");
  const token = tokens[0];
  if (tokens.length !== 1 || token === undefined || token.length > 8192 || actions.length > 1)
    return invalidRequestPage(c);

  const providerUrl = await openConfirmToken(config.crypto, token, config.stateKeys);
  const relayState = providerUrl === null ? null : new URL(providerUrl).searchParams.get("state");
  const state = relayState ? await openRelayState(config.crypto, relayState, config.stateKeys, nowSeconds(deps)) : null;
  const app = state !== null && typeof state !== "string" ? config.apps.get(state.app) : undefined;
  if (providerUrl === null || state === null || typeof state === "string" || !app) return invalidRequestPage(c);
  if (checkReturnTo(state.returnTo, config.returnPolicy, config.returnOrigins).kind === "refused") {
    return invalidRequestPage(c);
  }

  if (actions[0] === "cancel") {
    return deliver(c, state, {
      error: "access_denied",
      errorDescription: "The user cancelled the connection at the relay.",
    });
  }
  const cancelUrl = `${config.relayUrl}/v1/confirm?${new URLSearchParams({ state: token, action: "cancel" })}`;
  return htmlPage(c, confirmPage(app.name, new URL(state.returnTo).origin, providerUrl, cancelUrl), 200);
}
