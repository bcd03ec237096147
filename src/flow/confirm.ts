import type { Context } from "hono";
import { openPending } from "../crypto/pending.js";
import { hasMediaType } from "../web/media-type.js";
import { htmlPage, invalidRequestPage, messagePage } from "../web/pages.js";
import { claimOnce, completeFlow, noLongerAllowedPage } from "./complete.js";
import { nowSeconds, type RelayEnv } from "./context.js";
import { checkReturnTo } from "./return-policy.js";

/**
 * True when the browser shows that this POST comes from the relay's own page: `Origin` equal to the
 * relay's origin or, where the browser sends no usable `Origin` (the confirmation page's
 * `Referrer-Policy: no-referrer` makes Chromium send `Origin: null` on a same-origin POST, Fetch
 * §3.2), `Sec-Fetch-Site: same-origin`. Anything else — a cross-site form, a script on another
 * origin, a client that sends neither header — is refused (login CSRF on the confirmation).
 */
function fromRelayPage(c: Context, relayUrl: string): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== "null") return origin === new URL(relayUrl).origin;
  return c.req.header("sec-fetch-site") === "same-origin";
}

const FIELDS = new Set(["pending", "decision"]);

/** The form's two fields, each exactly once, nothing else; null otherwise. */
async function readForm(c: Context): Promise<{ pending: string; decision: "send" | "cancel" } | null> {
  if (!hasMediaType(c, "application/x-www-form-urlencoded")) return null;
  const values = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(await c.req.text())) {
    if (!FIELDS.has(name) || values.has(name)) return null;
    values.set(name, value);
  }
  const pending = values.get("pending");
  const decision = values.get("decision");
  if (pending === undefined || pending.length > 8192 || (decision !== "send" && decision !== "cancel")) return null;
  return { pending, decision };
}

/**
 * `POST /v1/confirm`: the user's answer on the confirmation page (src/flow/callback.ts). Send →
 * the flow finishes as for a listed origin (deliver the error, or exchange once and deliver the
 * result); Cancel → a local page, nothing exchanged, no redirect anywhere. A pending object is good
 * for one answer.
 */
export async function handleConfirm(c: Context<RelayEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { config } = deps;
  if (!fromRelayPage(c, config.relayUrl)) {
    return htmlPage(
      c,
      messagePage(
        "This confirmation must come from the relay's page",
        "The relay accepts a confirmation only from its own page in your browser. Start the connection again from your application.",
      ),
      403,
    );
  }
  const form = await readForm(c);
  const pending = form && (await openPending(form.pending, config.stateKeys, nowSeconds(deps)));
  const app = pending ? config.apps.get(pending.state.app) : undefined;
  if (!form || !pending || !app) return invalidRequestPage(c);
  const replayed = await claimOnce(c, deps, "pending", form.pending, pending.exp);
  if (replayed) return replayed;

  const origin = new URL(pending.state.returnTo).origin;
  if (form.decision === "cancel") {
    return htmlPage(
      c,
      messagePage(`Nothing was sent to ${origin}`, "The connection was cancelled here. You can close this tab."),
      200,
    );
  }
  // The policy may have changed while the page was open (an origin removed, or allowlist now).
  if (checkReturnTo(pending.state.returnTo, config.returnPolicy, config.returnOrigins).kind === "refused") {
    return noLongerAllowedPage(c);
  }
  return completeFlow(c, deps, app, pending.state, pending.answer);
}
