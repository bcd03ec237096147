import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/**
 * Every HTML page the relay shows. All dynamic text goes through hono's `html` tag, which escapes
 * it (RFC 6749 §10.14); there is no raw() anywhere. Each page returns its own CSP: nothing loads,
 * nothing frames it, scripts and styles only with this response's nonce.
 */
export interface Page {
  readonly body: Promise<HtmlEscapedString> | HtmlEscapedString;
  readonly csp: string;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}.actions{display:flex;gap:1rem;margin-top:2rem}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #0b57d0;cursor:pointer}
.primary{background:#0b57d0;color:#fff}.secondary{background:#fff;color:#0b57d0}code{word-break:break-all}
.origin{font-family:ui-monospace,monospace;background:#eef2ff;padding:0 .2rem}.origin span{white-space:nowrap}
.warning{border-left:4px solid #b45309;padding-left:.8rem}
.badge{display:inline-block;background:#fde68a;color:#713f12;border-radius:.3rem;padding:.1rem .5rem;font-size:.85rem}`;

export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** The page CSP: nothing loads but this response's nonce'd style (and script, if any). */
export function pageCsp(nonce: string, formAction: string, script = false): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    script ? `script-src 'nonce-${nonce}'` : null,
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ]
    .filter((part) => part !== null)
    .join("; ");
}

type Content = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The one page skeleton; `banner` (e.g. the sandbox marker) goes above the content. */
export function layout(nonce: string, title: string, content: Content, banner: Content | string = "") {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title}</title><style nonce="${nonce}">${STYLE}</style></head>
<body>${banner}${content}</body></html>`;
}

/** A terminal page: the relay cannot (or must not) send the browser anywhere. */
export function messagePage(title: string, message: string, banner: Content | string = ""): Page {
  const nonce = newNonce();
  return {
    body: layout(nonce, title, html`<h1>${title}</h1><p>${message}</p>`, banner),
    csp: pageCsp(nonce, "'none'"),
  };
}

/**
 * An origin as markup that may wrap only after its own punctuation (`https://`, each `.`, the `:`
 * before a port): each piece is unbreakable, with a <wbr> after it.
 */
function wholeOrigin(origin: string) {
  const pieces = origin.match(/[^.:/]+[.:/]*|[.:/]+/g) ?? [origin];
  return html`<span class="origin">${pieces.map((piece) => html`<span>${piece}</span><wbr>`)}</span>`;
}

/**
 * The confirmation after the provider (RFC 9700 §4.11.2, consent phishing): shown by the callback
 * for a return origin that is neither loopback nor listed, before anything is exchanged or sent.
 * One POST form back to the relay itself, no script; the origin is shown whole, never broken
 * mid-word.
 */
export function confirmPage(options: {
  readonly appName: string;
  readonly origin: string;
  readonly action: string;
  readonly pending: string;
  /** True when the provider reported an error: the page then offers to send that outcome. */
  readonly providerError: boolean;
}): Page {
  const { appName, origin, action, pending, providerError } = options;
  const nonce = newNonce();
  const question = providerError
    ? html`Tell ${wholeOrigin(origin)} that the ${appName} sign-in did not complete?`
    : html`Send your ${appName} access to ${wholeOrigin(origin)}?`;
  const detail = providerError
    ? html`<p>${appName} did not grant access. Only the outcome, not any access, would be sent.</p>`
    : html`<p>You signed in at ${appName}. If you continue, access to your ${appName} account goes to the site
above.</p>`;
  const content = html`<h1>${question}</h1>${detail}
<p class="warning">Continue only if you started this connection from ${wholeOrigin(origin)} yourself. If someone
sent you a link, choose Cancel: nothing will be sent.</p>
<form method="post" action="${action}"><input type="hidden" name="pending" value="${pending}">
<div class="actions"><button class="primary" type="submit" name="decision" value="send" id="send">Send to this site</button>
<button class="secondary" type="submit" name="decision" value="cancel" id="cancel">Cancel</button></div></form>`;
  const title = providerError ? `Return to ${origin}?` : `Send ${appName} access?`;
  return { body: layout(nonce, title, content), csp: pageCsp(nonce, formActionSource(action)) };
}

/**
 * The CSP source that lets a form post to `url`. A CSP host-source cannot be an IPv6 literal (CSP3
 * §2.3.1 host-char is ALPHA / DIGIT / "-"): Chromium drops `http://[::1]:8011` as invalid and the
 * directive becomes 'none', blocking the delivery after the code was already exchanged. For such a
 * host the scheme alone is the narrowest source that works; the action itself is fixed by the relay.
 */
export function formActionSource(url: string): string {
  const { protocol, hostname, origin } = new URL(url);
  return hostname.startsWith("[") ? protocol : origin;
}

/**
 * Auto-submitting form to the instance (OAuth 2.0 Form Post Response Mode). The script first drops
 * the callback URL (code, state) from session history (RFC 9700 §4.2.4); with scripts off the
 * visible button does the same job.
 */
export function formPostPage(action: string, fields: Readonly<Record<string, string>>): Page {
  const nonce = newNonce();
  const inputs = Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const content = html`<h1>Returning to your application…</h1>
<form method="post" action="${action}">${inputs}<button class="primary" type="submit">Continue</button></form>
<script nonce="${nonce}">history.replaceState(null,"",location.pathname);document.forms[0].submit();</script>`;
  return { body: layout(nonce, "Returning…", content), csp: pageCsp(nonce, formActionSource(action), true) };
}

type PageStatus = 200 | 400 | 403 | 404 | 405 | 413 | 414 | 429 | 500 | 503;

export async function htmlPage(c: Context, page: Page, status: PageStatus): Promise<Response> {
  c.header("Content-Security-Policy", page.csp);
  // A primitive string, not hono's HtmlEscapedString (a String object, already escaped): given an
  // object body, @hono/node-server falls back to reading the response as a stream, chunk by chunk,
  // with a timer hop; a string it writes in one go.
  return c.html(String(await page.body), status);
}

/**
 * The one uniform answer to any browser request the relay cannot trust (bad, tampered, expired,
 * replayed, foreign or unknown-key state or pending object; malformed parameters): a 400 page, no
 * redirect, nothing echoed (RFC 6749 §4.1.2.1).
 */
export function invalidRequestPage(c: Context): Promise<Response> {
  return htmlPage(
    c,
    messagePage(
      "This sign-in link is not valid",
      "The relay could not accept this request: it is malformed, expired, already used or was not issued by this relay. Start the connection again from your application.",
    ),
    400,
  );
}
