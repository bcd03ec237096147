import type { Context } from "hono";
import type { ResponseMode } from "../config.js";
import type { RelayState } from "../crypto/relay-state.js";
import { formPostPage, htmlPage } from "../web/pages.js";
import { isLoopbackHost } from "../web/url-rules.js";

/** What goes back to the instance: an encrypted result, or an OAuth error — always with its state. */
export type Delivery = { readonly result: string } | { readonly error: string; readonly errorDescription: string };

/**
 * The response mode when the instance does not name one: form_post, except for a plain-http
 * return_to off loopback (a LAN instance listed in RETURN_ORIGINS). There Chromium holds a form
 * POST from the https relay page behind "The information you're about to submit is not secure"
 * (docs/BROWSERS.md), while a 303 redirect goes through; the result is encrypted to the instance
 * key either way.
 */
export function defaultResponseMode(returnTo: string): ResponseMode {
  const url = new URL(returnTo);
  return url.protocol === "http:" && !isLoopbackHost(url.hostname) ? "query" : "form_post";
}

/** Browsers and servers choke on longer URLs; past this, query delivery falls back to form_post. */
export const MAX_QUERY_URL = 8000;

function deliveryFields(state: RelayState, delivery: Delivery): Record<string, string> {
  if ("result" in delivery) return { result: delivery.result, state: state.instanceState };
  return { error: delivery.error, error_description: delivery.errorDescription, state: state.instanceState };
}

/**
 * Hands the outcome to the instance's return_to by the flow's response mode. Redirects are 303
 * (never 307/308, which would re-POST a form body: RFC 9700 §4.12). Query delivery carries an
 * explicit empty fragment `#_` so the browser does not re-attach one (RFC 9700 §4.1.3).
 */
export function deliver(c: Context, state: RelayState, delivery: Delivery): Response | Promise<Response> {
  const fields = new URLSearchParams(deliveryFields(state, delivery));
  if (state.responseMode === "fragment") return c.redirect(`${state.returnTo}#${fields}`, 303);
  if (state.responseMode === "query") {
    const separator = state.returnTo.includes("?") ? "&" : "?";
    const location = `${state.returnTo}${separator}${fields}#_`;
    if (location.length <= MAX_QUERY_URL) return c.redirect(location, 303);
  }
  return htmlPage(c, formPostPage(state.returnTo, deliveryFields(state, delivery)), 200);
}
