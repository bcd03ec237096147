/** Browser steps shared by the e2e files: clicking through oidc-provider and the sandbox, screenshots, privacy. */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { ListeningFlow as Flow, ListeningOutcome as Outcome } from "../../harness/instance.js";

export const SCREENSHOTS = fileURLToPath(new URL("../../../test-results/screenshots/", import.meta.url));

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** Signs in and consents on oidc-provider's own development interaction pages, by clicking. */
export async function signInAndConsent(page: Page, login = "e2e-user"): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any-password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Waits for the instance to have the outcome, with a clear failure instead of a hang. */
export async function outcomeOf(flow: Flow, page: Page, ms = 20_000): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no delivery within ${ms} ms; browser at ${page.url()}`)), ms);
  });
  try {
    return await Promise.race([flow.outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects the authorization codes the browser carries to the relay callback (privacy sentinels). */
export function captureCodes(page: Page, sink: string[]): void {
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith("/v1/callback/")) return;
    const code = url.searchParams.get("code");
    if (code) sink.push(code);
    const body = request.postData();
    const posted = body ? new URLSearchParams(body).get("code") : null;
    if (posted) sink.push(posted);
  });
}

/** The relay process wrote none of the secrets the run produced. */
export function expectNoSentinels(output: string, sentinels: readonly string[]): void {
  expect(sentinels.length).toBeGreaterThan(0);
  const leaked = sentinels.filter((value) => value.length >= 8 && output.includes(value));
  expect(leaked, "relay stdout/stderr contains sentinel values").toEqual([]);
}
