import type { Context } from "hono";
import { openPending } from "../crypto/pending.js";
import { invalidRequestPage } from "../web/pages.js";
import { claimOnce, completeFlow, noLongerAllowedPage } from "./complete.js";
import { nothingSentPage, readConfirmationAnswer } from "./confirmation-form.js";
import { nowSeconds, type RelayEnv } from "./context.js";
import { checkReturnTo } from "./return-policy.js";

/**
 * `POST /v1/confirm`: the user's answer on the confirmation page (src/flow/callback.ts). Send →
 * the flow finishes as for a listed origin (deliver the error, or exchange once and deliver the
 * result); Cancel → a local page, nothing exchanged, no redirect anywhere. A pending object is good
 * for one answer.
 */
export async function handleConfirm(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  const answer = await readConfirmationAnswer(c, config.relayUrl);
  if (answer instanceof Response) return answer;
  const pending = await openPending(answer.pending, config.stateKeys, nowSeconds(deps));
  const app = pending ? config.apps.get(pending.state.app) : undefined;
  if (!pending || !app) return invalidRequestPage(c);
  const replayed = await claimOnce(c, deps, "pending", answer.pending, pending.exp);
  if (replayed) return replayed;

  if (answer.decision === "cancel") return nothingSentPage(c, new URL(pending.state.returnTo).origin);
  // The policy may have changed while the page was open (an origin removed, or allowlist now).
  if (checkReturnTo(pending.state.returnTo, config.returnPolicy, config.returnOrigins).kind === "refused") {
    return noLongerAllowedPage(c);
  }
  return completeFlow(c, deps, app, pending.state, pending.answer);
}
