/**
 * The browser suite run once per runtime: one relay process (Node or wrangler dev), one
 * oidc-provider, one instance, one Chromium. Every response mode through oidc-provider's pages, the
 * sandbox's Approve and Deny, the form_post page with scripts off, and the invalid-state page.
 */

import { createHash } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ListeningInstance as Instance,
  qorusAuthorizationUrl,
  qorusState,
  type ResponseMode,
  startListeningInstance as startInstance,
} from "../../harness/instance.js";
import { type OidcServer as RunningProvider, startOidcProvider } from "../../harness/oidc.js";
import { type RelayProcess, type Runtime, spawnRelay as startRelay } from "../../harness/relay.js";
import { launchChromium, newPage, requireChromium, UA_SENTINEL } from "./browser.js";
import { captureCodes, expectNoSentinels, outcomeOf, screenshot, signInAndConsent } from "./flows.js";
import { freePort, type SelfSigned, selfSignedCert, stateKeys } from "./net.js";

export const MODES: readonly ResponseMode[] = ["form_post", "query", "fragment"];
/** An https instance on a host name that is neither loopback nor in RETURN_ORIGINS. */
const REMOTE_HOST = "qorus-unlisted.test";

export function runtimeSuite(runtime: Runtime): void {
  describe(`browser e2e on ${runtime}`, () => {
    let browser: Browser;
    let provider: RunningProvider;
    let relay: RelayProcess;
    let instance: Instance;
    let remote: Instance;
    let ipv6: Instance;
    let tls: SelfSigned;
    const codes: string[] = [];

    beforeAll(async () => {
      requireChromium();
      tls = selfSignedCert([REMOTE_HOST]);
      const [relayPort, providerPort] = [await freePort(), await freePort()];
      const relayUrl = `http://127.0.0.1:${relayPort}`;
      const clientSecret = `secret-${crypto.randomUUID()}`;
      const client = {
        appId: "acme",
        clientId: "relay-e2e",
        clientSecret,
        authMethod: "client_secret_basic",
        // The Qorus cloud API bridge's redirect URI, registered as a provider app would have it.
        extraRedirectUris: [`${relayUrl}/qorus-oauth2-redirect`],
      } as const;
      provider = await startOidcProvider(relayUrl, [client], providerPort);
      [relay, instance, browser] = await Promise.all([
        startRelay({
          runtime,
          port: relayPort,
          env: {
            RELAY_URL: relayUrl,
            STATE_KEYS: stateKeys(),
            SANDBOX: "1",
            LEGACY_QORUS: "1",
            APPS: JSON.stringify([
              { ...provider.app(client, "acme"), name: "Acme", scopes: { default: ["openid"], allow: ["openid"] } },
              { id: "sandbox", name: "Sandbox", server: "sandbox", client_id: "sandbox-client" },
            ]),
            CLIENT_SECRET_ACME: clientSecret,
            CLIENT_SECRET_SANDBOX: `sbx-${crypto.randomUUID()}`,
          },
        }),
        startInstance(),
        launchChromium({ hosts: [REMOTE_HOST] }),
      ]);
      [remote, ipv6] = await Promise.all([
        startInstance({ host: REMOTE_HOST, tls: { cert: tls.cert, key: tls.key } }),
        startInstance({ listen: "::1" }),
      ]);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await Promise.all([relay?.close(), instance?.close(), remote?.close(), ipv6?.close(), provider?.close()]);
      tls?.cleanup();
    });

    /** The sandbox's Approve for a flow to `target`, ending on the relay's confirmation page. */
    async function toConfirmation(target: Instance, javaScriptEnabled: boolean, mode: ResponseMode = "form_post") {
      const { context, page } = await newPage(browser, { javaScriptEnabled, ignoreHTTPSErrors: true });
      const flow = await target.startFlow(relay.url, { app: "sandbox", responseMode: mode });
      expect(flow.authorizationUrl.startsWith(`${relay.url}/sandbox/authorize?`)).toBe(true);
      await page.goto(flow.authorizationUrl);
      await page.locator("#approve").click();
      await expect.poll(() => page.locator("h1").textContent()).toBe(`Send your Sandbox access to ${remote.origin}?`);
      expect(page.url().startsWith(`${relay.url}/v1/callback/sandbox`)).toBe(true);
      return { context, page, flow };
    }

    for (const javaScriptEnabled of [true, false]) {
      const scripts = javaScriptEnabled ? "scripts on" : "scripts off";
      it(`an unlisted https origin: after the provider, the relay asks; Send delivers (${scripts})`, async () => {
        const { context, page, flow } = await toConfirmation(remote, javaScriptEnabled);
        if (runtime === "node" && javaScriptEnabled) await screenshot(page, "confirmation-page");
        await page.locator("#send").click();
        if (!javaScriptEnabled) {
          // The delivery page's own Continue button takes the place of its script.
          const button = page.getByRole("button", { name: "Continue" });
          await expect.poll(() => button.isVisible()).toBe(true);
          await button.click();
        }
        const outcome = await outcomeOf(flow, page);
        expect(outcome).toMatchObject({ kind: "result", via: "form_post" });
        await expect.poll(() => new URL(page.url()).origin).toBe(remote.origin);
        await context.close();
      });

      it(`an unlisted https origin: Cancel sends nothing anywhere (${scripts})`, async () => {
        const { context, page, flow } = await toConfirmation(remote, javaScriptEnabled, "query");
        await page.locator("#cancel").click();
        await expect.poll(() => page.locator("h1").textContent()).toBe(`Nothing was sent to ${remote.origin}`);
        expect(page.url()).toBe(`${relay.url}/v1/confirm`);
        if (runtime === "node" && javaScriptEnabled) await screenshot(page, "confirmation-cancelled");
        // The instance never hears of it: its flow stays pending.
        const settled = await Promise.race([
          flow.outcome.then(() => "delivered"),
          new Promise((resolve) => setTimeout(() => resolve("nothing"), 500)),
        ]);
        expect(settled).toBe("nothing");
        await context.close();
      });
    }

    it("the AES-only profile (oct key, dir result): a sandbox sign-in the instance opens with AES-GCM", async () => {
      const { context, page } = await newPage(browser);
      const flow = await instance.startFlow(relay.url, { app: "sandbox", responseMode: "form_post", keyType: "oct" });
      await page.goto(flow.authorizationUrl);
      await page.locator("#approve").click();
      const outcome = await outcomeOf(flow, page);
      expect(outcome).toMatchObject({ kind: "result", via: "form_post" });
      await context.close();
    });

    it("the Qorus cloud API bridge: an older instance's own provider URL, consent, tokens on its update URI", async () => {
      const { context, page } = await newPage(browser);
      captureCodes(page, codes);
      const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
      const authContext = `AUTH_CONTEXT_SENTINEL_${crypto.randomUUID()}`;
      const state = qorusState({
        conn: "e2e-conn",
        token_uri: `${provider.issuer}/token`,
        auth_context: authContext,
        redirect_uri: `${instance.origin}/ui`,
        update_connection_uri: `${instance.origin}/qorus-update`,
        client_id: "relay-e2e",
        client_secret: "cloud",
        oauth2_app: "acme",
        grant_type: "authorization_code",
        code_verifier: verifier,
      });
      await page.goto(
        qorusAuthorizationUrl({
          authUrl: `${provider.issuer}/auth`,
          scopes: ["openid"],
          redirectUri: `${relay.url}/qorus-oauth2-redirect`,
          clientId: "relay-e2e",
          state,
          codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
        }),
      );
      await signInAndConsent(page);
      await expect.poll(() => page.locator("h1").textContent()).toBe("Qorus connection updated");
      const update = instance.qorusUpdates.at(-1);
      expect(update).toMatchObject({ conn: "e2e-conn", auth_context: authContext, token_type: "Bearer" });
      expect(Buffer.from(update?.redirect_uri ?? "", "base64").toString()).toBe(`${instance.origin}/ui`);
      expect(typeof update?.access_token).toBe("string");
      await context.close();
    });

    it("form_post to an instance on http://[::1]:port reaches it (CSP form-action for an IPv6 literal)", async () => {
      const { context, page } = await newPage(browser);
      const flow = await ipv6.startFlow(relay.url, { app: "sandbox", responseMode: "form_post" });
      await page.goto(flow.authorizationUrl);
      await page.locator("#approve").click();
      const outcome = await outcomeOf(flow, page);
      expect(outcome).toMatchObject({ kind: "result", via: "form_post" });
      await expect.poll(() => new URL(page.url()).origin).toBe(ipv6.origin);
      await context.close();
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
      expectNoSentinels(relay.output(), [
        ...instance.sentinels,
        ...remote.sentinels,
        ...ipv6.sentinels,
        ...codes,
        UA_SENTINEL,
      ]);
    });
  });
}
