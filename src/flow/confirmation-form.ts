import type { Context } from "hono";
import { hasMediaType } from "../web/media-type.js";
import { htmlPage, invalidRequestPage, messagePage } from "../web/pages.js";

/**
 * The answer to a confirmation page (the relay's own, for v1 flows and for the Qorus cloud API
 * bridge): who may send it and what it must hold. Checked before anything is opened.
 */
export interface ConfirmationAnswer {
  readonly pending: string;
  readonly decision: "send" | "cancel";
}

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
async function readForm(c: Context): Promise<ConfirmationAnswer | null> {
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

/** The confirmation's answer, or the response that refuses it (403 off the relay's page, 400 malformed). */
export async function readConfirmationAnswer(c: Context, relayUrl: string): Promise<ConfirmationAnswer | Response> {
  if (!fromRelayPage(c, relayUrl)) {
    return htmlPage(
      c,
      messagePage(
        "This confirmation must come from the relay's page",
        "The relay accepts a confirmation only from its own page in your browser. Start the connection again from your application.",
      ),
      403,
    );
  }
  return (await readForm(c)) ?? invalidRequestPage(c);
}

/** What Cancel answers: a local page; nothing exchanged, nothing sent, no redirect anywhere. */
export function nothingSentPage(c: Context, origin: string): Promise<Response> {
  return htmlPage(
    c,
    messagePage(`Nothing was sent to ${origin}`, "The connection was cancelled here. You can close this tab."),
    200,
  );
}
