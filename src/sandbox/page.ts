import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { newNonce, type Page } from "../web/pages.js";

/**
 * The sandbox's pages. No script at all; the one style block carries this response's nonce; all
 * dynamic text goes through hono's `html` tag, which escapes it. `form-action` must allow the
 * approve form's redirect chain (sandbox → relay callback → the instance's return_to, which the
 * sandbox cannot know and browsers check against form-action), so it lists `'self'` and the
 * loopback/https schemes rather than `'none'`.
 */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}.badge{display:inline-block;background:#fde68a;color:#713f12;border-radius:.3rem;padding:.1rem .5rem;font-size:.85rem}
.actions{display:flex;gap:1rem;margin-top:2rem}button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #0b57d0;cursor:pointer}
.primary{background:#0b57d0;color:#fff}.secondary{background:#fff;color:#0b57d0}code{word-break:break-all}`;

function csp(nonce: string, formAction: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join("; ");
}

function layout(nonce: string, title: string, content: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><p><span class="badge">SANDBOX</span> local test server &mdash; not a real account</p>${content}</body></html>`;
}

export interface ConsentView {
  readonly action: string;
  readonly requestId: string;
  readonly appName: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly user: string;
}

export function consentPage(view: ConsentView): Page {
  const nonce = newNonce();
  const scopes =
    view.scopes.length > 0
      ? html`<ul>${view.scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>`
      : html`<p>No particular scope.</p>`;
  const content = html`<h1>Allow ${view.appName} to access your sandbox account?</h1>
<p>Client <code>${view.clientId}</code> asks, for sandbox user <strong>${view.user}</strong>:</p>${scopes}
<form method="post" action="${view.action}"><input type="hidden" name="request" value="${view.requestId}">
<div class="actions"><button class="primary" type="submit" name="decision" value="approve" id="approve">Approve</button>
<button class="secondary" type="submit" name="decision" value="deny" id="deny">Deny</button></div></form>`;
  return { body: layout(nonce, "Sandbox: allow access?", content), csp: csp(nonce, "'self' http: https:") };
}

export function sandboxMessagePage(title: string, message: string): Page {
  const nonce = newNonce();
  return {
    body: layout(nonce, title, html`<h1>${title}</h1><p>${message}</p>`),
    csp: csp(nonce, "'none'"),
  };
}
