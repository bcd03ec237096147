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
a.button,button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #0b57d0;text-decoration:none;cursor:pointer}
.primary{background:#0b57d0;color:#fff}.secondary{background:#fff;color:#0b57d0}code{word-break:break-all}
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

/** The interstitial for an https return origin not in RETURN_ORIGINS (RFC 9700 §4.11.2). */
export function confirmPage(appName: string, returnOrigin: string, continueUrl: string, cancelUrl: string): Page {
  const nonce = newNonce();
  const content = html`<h1>Connect ${appName} to ${returnOrigin}?</h1>
<p>After you sign in, your ${appName} access will be handed to <strong><code>${returnOrigin}</code></strong>.
Continue only if you started this connection there yourself and trust that site.</p>
<div class="actions"><a class="button primary" id="continue" href="${continueUrl}">Continue</a>
<a class="button secondary" id="cancel" href="${cancelUrl}">Cancel</a></div>`;
  return { body: layout(nonce, `Connect ${appName}?`, content), csp: pageCsp(nonce, "'none'") };
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
  return { body: layout(nonce, "Returning…", content), csp: pageCsp(nonce, new URL(action).origin, true) };
}
