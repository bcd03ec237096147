import { html } from "hono/html";
import { layout, messagePage, newNonce, type Page, pageCsp } from "../web/pages.js";

/**
 * The sandbox's pages, on the relay's page skeleton (src/web/pages.ts) with a SANDBOX banner. No
 * script at all; all dynamic text goes through hono's `html` tag, which escapes it. `form-action` must allow the
 * approve form's redirect chain (sandbox → relay callback → the instance's return_to, which the
 * sandbox cannot know and browsers check against form-action), so it lists `'self'` and the
 * loopback/https schemes rather than `'none'`.
 */
const BANNER = html`<p><span class="badge">SANDBOX</span> local test server &mdash; not a real account</p>`;

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
  return { body: layout(nonce, "Sandbox: allow access?", content, BANNER), csp: pageCsp(nonce, "'self' http: https:") };
}

export function sandboxMessagePage(title: string, message: string): Page {
  return messagePage(title, message, BANNER);
}
