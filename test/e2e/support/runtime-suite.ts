/**
 * The browser suite run once per runtime: one relay process (Node or wrangler dev), one
 * oidc-provider, one instance, one Chromium. Every response mode through oidc-provider's pages, the
 * sandbox's Approve and Deny, the form_post page with scripts off, and the invalid-state page.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, newPage, requireChromium, UA_SENTINEL } from "./browser.js";
import { captureCodes, expectNoSentinels, outcomeOf, screenshot, signInAndConsent } from "./flows.js";
import { type Instance, type ResponseMode, startInstance } from "./instance.js";
import { freePort, stateKeys } from "./net.js";
import { type RunningProvider, startProvider } from "./provider.js";
import { type RelayProcess, type Runtime, startRelay } from "./relay.js";

export const MODES: readonly ResponseMode[] = ["form_post", "query", "fragment"];

export function runtimeSuite(runtime: Runtime): void {
  describe(`browser e2e on ${runtime}`, () => {
    let browser: Browser;
    let provider: RunningProvider;
    let relay: RelayProcess;
    let instance: Instance;
    const codes: string[] = [];

    beforeAll(async () => {
      requireChromium();
      const [relayPort, providerPort] = [await freePort(), await freePort()];
      const relayUrl = `http://127.0.0.1:${relayPort}`;
      const clientSecret = `secret-${crypto.randomUUID()}`;
      provider = await startProvider(providerPort, {
        clientId: "relay-e2e",
        clientSecret,
        redirectUris: [`${relayUrl}/v1/callback/acme`],
      });
      [relay, instance, browser] = await Promise.all([
        startRelay({
          runtime,
          port: relayPort,
          env: {
            RELAY_URL: relayUrl,
            STATE_KEYS: stateKeys(),
            SANDBOX: "1",
            APPS: JSON.stringify([
              {
                id: "acme",
                name: "Acme",
                server: provider.serverConfig("acme"),
                client_id: "relay-e2e",
                scopes: { default: ["openid"], allow: ["openid"] },
              },
              { id: "sandbox", name: "Sandbox", server: "sandbox", client_id: "sandbox-client" },
            ]),
            CLIENT_SECRET_ACME: clientSecret,
            CLIENT_SECRET_SANDBOX: `sbx-${crypto.randomUUID()}`,
          },
        }),
        startInstance(),
        launchChromium(),
      ]);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await Promise.all([relay?.close(), instance?.close(), provider?.close()]);
    });

    for (const mode of MODES) {
      it(`${mode}: oidc-provider sign-in and consent, back through the relay, instance decrypts`, async () => {
        const { context, page } = await newPage(browser);
        captureCodes(page, codes);
        const flow = await instance.startFlow(relay.url, { app: "acme", responseMode: mode });
        await page.goto(flow.authorizationUrl);
        await signInAndConsent(page);
        const outcome = await outcomeOf(flow, page);
        expect(outcome.kind).toBe("result");
        expect(outcome.via).toBe(mode);
        if (outcome.kind !== "result") return;
        expect(outcome.claims).toMatchObject({ iss: relay.url, state: flow.state, app: "acme", server: "acme" });
        const token = outcome.claims.token as Record<string, unknown>;
        expect(typeof token.access_token).toBe("string");
        expect(String(token.token_type).toLowerCase()).toBe("bearer");
        await expect.poll(() => page.locator("h1").textContent()).toBe("Connected");
        // The browser ends on the instance, and the relay's callback URL is not where it stays.
        expect(page.url().startsWith(instance.origin)).toBe(true);
        if (mode === "form_post" && runtime === "node") await screenshot(page, "instance-connected");
        await context.close();
      });
    }

    it("sandbox: Approve delivers a token (form_post)", async () => {
      const { context, page } = await newPage(browser);
      const flow = await instance.startFlow(relay.url, { app: "sandbox", responseMode: "form_post" });
      await page.goto(flow.authorizationUrl);
      await expect.poll(() => page.locator("#approve").isVisible()).toBe(true);
      if (runtime === "node") await screenshot(page, "sandbox-consent");
      await page.locator("#approve").click();
      const outcome = await outcomeOf(flow, page);
      expect(outcome).toMatchObject({ kind: "result", via: "form_post" });
      await context.close();
    });

    it("sandbox: Deny delivers access_denied to the instance (query)", async () => {
      const { context, page } = await newPage(browser);
      const flow = await instance.startFlow(relay.url, { app: "sandbox", responseMode: "query" });
      await page.goto(flow.authorizationUrl);
      await page.locator("#deny").click();
      const outcome = await outcomeOf(flow, page);
      expect(outcome).toMatchObject({ kind: "error", via: "query", error: "access_denied" });
      await expect.poll(() => page.locator("h1").textContent()).toBe("Connection failed");
      if (runtime === "node") await screenshot(page, "instance-error-access-denied");
      await context.close();
    });

    it("form_post with JavaScript off: the page shows Continue, which delivers", async () => {
      const { context, page } = await newPage(browser, { javaScriptEnabled: false });
      const flow = await instance.startFlow(relay.url, { app: "sandbox", responseMode: "form_post" });
      await page.goto(flow.authorizationUrl);
      await page.locator("#approve").click();
      const button = page.getByRole("button", { name: "Continue" });
      await expect.poll(() => button.isVisible()).toBe(true);
      expect(page.url().startsWith(`${relay.url}/v1/callback/sandbox`)).toBe(true);
      if (runtime === "node") await screenshot(page, "form-post-no-javascript");
      await button.click();
      const outcome = await outcomeOf(flow, page);
      expect(outcome).toMatchObject({ kind: "result", via: "form_post" });
      await context.close();
    });

    it("a callback with a state the relay did not issue shows the invalid-request page", async () => {
      const { context, page } = await newPage(browser);
      const response = await page.goto(`${relay.url}/v1/callback/acme?state=bogus&code=x`);
      expect(response?.status()).toBe(400);
      await expect.poll(() => page.locator("h1").textContent()).toBe("This sign-in link is not valid");
      expect(await page.content()).not.toContain("bogus");
      if (runtime === "node") await screenshot(page, "invalid-state");
      await context.close();
    });

    it("privacy: the relay process printed no state, return path, user agent, code or token", () => {
      expect(codes.length).toBeGreaterThanOrEqual(MODES.length);
      // The capture works: the process's own start-up line is there.
      expect(relay.output()).toContain(
        runtime === "node" ? "listening on http://127.0.0.1:" : "Ready on http://127.0.0.1:",
      );
      expectNoSentinels(relay.output(), [...instance.sentinels, ...codes, UA_SENTINEL]);
    });
  });
}
