import type { Context } from "hono";
import type { AppConfig } from "../config.js";
import { verifierFromBytes } from "../crypto/pkce.js";
import { openRelayState, type RelayState } from "../crypto/relay-state.js";
import { encryptResult } from "../crypto/result.js";
import { messagePage } from "../web/pages.js";
import { callbackUrl } from "./authorization-url.js";
import { type CallbackParams, readCallbackParams } from "./callback-params.js";
import { nowSeconds, type RelayDeps, type RelayEnv } from "./context.js";
import { type Delivery, deliver, htmlPage, invalidRequestPage } from "./deliver.js";
import { normalizeErrorCode, plainDescription } from "./provider-errors.js";
import { checkReturnTo } from "./return-policy.js";
import { callTokenEndpoint, classifyExchange } from "./token-endpoint.js";

/** RFC 9207 §2.4: when the server sends `iss` (or must), it has to be the configured issuer. */
function issuerMismatch(app: AppConfig, params: CallbackParams): boolean {
  const { issuer, issParameter } = app.server;
  if (issParameter && params.iss === undefined) return true;
  return params.iss !== undefined && issuer !== null && params.iss !== issuer;
}

async function exchangeCode(deps: RelayDeps, app: AppConfig, state: RelayState, code: string): Promise<Delivery> {
  const { config } = deps;
  // Key import + thumbprint do not depend on the token: run them while the exchange is in flight.
  const resultKey = config.crypto.prepareResultKey(state.instanceKey);
  resultKey.catch(() => {}); // awaited below on success; a failed exchange must not leave it unhandled
  const upstream = await callTokenEndpoint(
    app,
    state.tenant,
    {
      grant_type: "authorization_code",
      code,
      redirect_uri: callbackUrl(config.relayUrl, app.id),
      code_verifier: verifierFromBytes(state.verifier),
    },
    config.upstreamTimeoutMs,
    deps.fetch,
  );
  const outcome = classifyExchange(upstream);
  if (!outcome.ok) return { error: outcome.error, errorDescription: outcome.description };
  deps.recorder.record({ server: app.server.id, grant: "authorization_code" });
  const result = await encryptResult(
    config.crypto,
    { state: state.instanceState, app: app.id, server: app.server.id, tenant: state.tenant, token: outcome.token },
    state.instanceKey,
    config.relayUrl,
    nowSeconds(deps),
    resultKey,
  );
  return { result };
}

/** `GET|POST /v1/callback/<app>`: provider → browser → relay → instance. */
export async function handleCallback(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  const app = config.apps.get(c.req.param("app") ?? "");
  const params = await readCallbackParams(c);
  if (!app || !params) return invalidRequestPage(c);

  const state = await openRelayState(config.crypto, params.state, config.stateKeys, nowSeconds(deps));
  if (typeof state === "string" || state.app !== app.id) return invalidRequestPage(c);

  // Re-check return_to against the policy in force now (checklist #46).
  if (checkReturnTo(state.returnTo, config.returnPolicy, config.returnOrigins).kind === "refused") {
    return htmlPage(
      c,
      messagePage(
        "This connection cannot be completed",
        "The application's return address is no longer allowed by this relay. Ask the relay's operator, then start again.",
      ),
      400,
    );
  }

  if (issuerMismatch(app, params)) {
    return deliver(c, state, {
      error: "server_error",
      errorDescription: "The authorization response did not come from the expected server (RFC 9207 iss mismatch).",
    });
  }
  // An error wins over a code that came with it: never exchange then (checklist #29).
  if (params.error !== undefined) {
    return deliver(c, state, {
      error: normalizeErrorCode(params.error),
      errorDescription: plainDescription(params.error_description),
    });
  }
  if (params.code === undefined) {
    return deliver(c, state, {
      error: "server_error",
      errorDescription: "The provider returned neither a code nor an error.",
    });
  }
  return deliver(c, state, await exchangeCode(deps, app, state, params.code));
}
