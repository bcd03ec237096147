/**
 * Plays the user's browser over plain HTTP: opens the sandbox consent page, presses Approve or
 * Deny, and follows the chain (sandbox → relay callback → the instance's return endpoint) the way a
 * browser would for each delivery mode — including running, by hand, what the fragment page's
 * script does. Checks the pages' security headers on the way.
 */
import { expect } from "vitest";

export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => {
    const table: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
    return table[name] ?? "";
  });
}

export interface Walk {
  /** The response from the instance's return endpoint (the CLI's listener). */
  readonly final: Response;
  readonly finalBody: string;
  /** Delivery mode actually seen at the relay callback. */
  readonly seen: "form_post" | "query" | "fragment";
}

async function get(url: string): Promise<Response> {
  return fetch(url, { redirect: "manual" });
}

export function expectStrictHtml(response: Response): string {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  return csp;
}

/** Opens the consent page and returns the consent form's request id and action. */
export async function openConsent(
  authorizationUrl: string,
): Promise<{ action: string; request: string; html: string }> {
  const page = await get(authorizationUrl);
  expect(page.status).toBe(200);
  const csp = expectStrictHtml(page);
  expect(csp).not.toContain("script-src");
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  expect(action).toBeDefined();
  expect(request).toBeDefined();
  return { action: decodeEntities(action ?? ""), request: decodeEntities(request ?? ""), html };
}

export async function decide(authorizationUrl: string, decision: "approve" | "deny"): Promise<Walk> {
  const consent = await openConsent(authorizationUrl);
  const answer = await fetch(consent.action, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request: consent.request, decision }).toString(),
  });
  expect(answer.status).toBe(303);
  const callback = answer.headers.get("location") ?? "";
  expect(callback).toContain("/v1/callback/");
  const relay = await get(callback);

  if (relay.status === 200) {
    // form_post: an auto-submitting form; submit it as the script (or the visible button) would.
    const csp = expectStrictHtml(relay);
    const html = await relay.text();
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    expect(nonce && csp.includes(`'nonce-${nonce}'`)).toBe(true);
    const action = decodeEntities(/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? "");
    const fields = new URLSearchParams();
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      fields.append(decodeEntities(match[1] ?? ""), decodeEntities(match[2] ?? ""));
    }
    const final = await fetch(action, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fields.toString(),
    });
    return { final, finalBody: await final.text(), seen: "form_post" };
  }

  expect(relay.status).toBe(303);
  const location = relay.headers.get("location") ?? "";
  const hash = location.indexOf("#");
  const beforeHash = hash < 0 ? location : location.slice(0, hash);
  const fragment = hash < 0 ? "" : location.slice(hash + 1);
  if (fragment !== "" && fragment !== "_") {
    // fragment: the browser GETs the page without the fragment, whose script POSTs the fragment back.
    const pageResponse = await get(beforeHash);
    expect(pageResponse.status).toBe(200);
    const csp = expectStrictHtml(pageResponse);
    const html = await pageResponse.text();
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    expect(nonce && csp.includes(`script-src 'nonce-${nonce}'`)).toBe(true);
    expect(html).toContain('fetch("/callback"');
    const final = await fetch(new URL("/callback", beforeHash), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fragment,
    });
    return { final, finalBody: await final.text(), seen: "fragment" };
  }
  const final = await get(beforeHash);
  return { final, finalBody: await final.text(), seen: "query" };
}
