/**
 * Full authorization-code flows through the relay against a real OAuth2/OpenID server
 * (oidc-provider), the same suite on Node and on workerd.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  answerConfirmation,
  type Delivered,
  openResult,
  readConfirmation,
  readDelivery,
  refresh,
  type StartedFlow,
  startFlow,
} from "../harness/instance.js";
import { authorize, newClient, type OidcServer, startOidcProvider } from "../harness/oidc.js";
import { freePort, grantRecords, newStateKeys, type RelayUnderTest, RUNTIMES, startRelay } from "../harness/relay.js";

const BASIC = newClient("oidcb", "client_secret_basic");
const POST = newClient("oidcp", "client_secret_post");
const RETURN_TO = "http://127.0.0.1:9/qorus/oauth2/relay";
const ALLOWED_ORIGIN = "https://qorus.allowed.example";
const MODES = ["form_post", "query", "fragment"] as const;

describe.each(RUNTIMES)("full flows against oidc-provider on %s", (runtime) => {
  let relay: RelayUnderTest;
  let provider: OidcServer;

  beforeAll(async () => {
    const relayUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startOidcProvider(relayUrl, [BASIC, POST]);
    relay = await startRelay(runtime, {
      PORT: relayUrl.split(":")[2] as string,
      RELAY_URL: relayUrl,
      STATE_KEYS: newStateKeys(),
      APPS: JSON.stringify([provider.app(BASIC), provider.app(POST)]),
      CLIENT_SECRET_OIDCB: BASIC.clientSecret,
      CLIENT_SECRET_OIDCP: POST.clientSecret,
      RETURN_ORIGINS: ALLOWED_ORIGIN,
      // The abuse limits have their own suite (test/security/abuse.test.ts); here they would only
      // count this suite's many flows from one address.
      RATE_LIMIT: "off",
    });
    expect(relay.url).toBe(relayUrl);
  });

  afterAll(async () => {
    await relay?.close();
    await provider?.close();
  });

  async function newRecords<T>(
    action: () => Promise<T>,
  ): Promise<{ value: T; records: ReturnType<typeof grantRecords> }> {
    await relay.settle();
    const before = grantRecords(relay).length;
    const value = await action();
    await relay.settle();
    return { value, records: grantRecords(relay).slice(before) };
  }

  /** Starts a flow and walks the browser to the relay callback URL (not yet requested). */
  async function flowToCallback(
    app: string,
    responseMode: (typeof MODES)[number],
    returnTo = RETURN_TO,
  ): Promise<{ flow: StartedFlow; callback: string }> {
    const flow = await startFlow(relay.url, {
      app,
      return_to: returnTo,
      response_mode: responseMode,
      params: { prompt: "consent" },
    });
    expect(flow.authorizationUrl.startsWith(`${provider.issuer}/auth?`)).toBe(true);
    const callback = await authorize(flow.authorizationUrl);
    expect(callback.startsWith(`${relay.url}/v1/callback/${app}?`)).toBe(true);
    return { flow, callback };
  }

  async function callRelay(callback: string): Promise<Delivered> {
    return readDelivery(await fetch(callback, { redirect: "manual" }));
  }

  for (const [app, client] of [
    ["oidcb", BASIC],
    ["oidcp", POST],
  ] as const) {
    for (const mode of MODES) {
      it(`${app} (${client.authMethod}), response_mode=${mode}: tokens the provider issued, then refresh`, async () => {
        const { flow, callback } = await flowToCallback(app, mode);
        const { value: delivered, records } = await newRecords(() => callRelay(callback));
        expect(delivered.mode).toBe(mode);
        expect(delivered.target).toBe(RETURN_TO);
        expect(Object.keys(delivered.fields).sort()).toEqual(["result", "state"]);
        const { claims } = await openResult(flow, delivered);
        expect(claims).toMatchObject({ iss: relay.url, state: flow.state, app, server: "oidc", tenant: null });
        expect(records).toEqual([{ server: "oidc", grant: "authorization_code" }]);

        const token = claims.token as { access_token: string; refresh_token: string; token_type: string };
        expect(token.token_type).toBe("Bearer");
        expect(typeof token.refresh_token).toBe("string");
        // The access token is one the provider really issued for this client.
        const userinfo = await provider.userinfo(token.access_token);
        expect(userinfo.status).toBe(200);
        expect(await userinfo.json()).toEqual({ sub: "alice" });
        expect(await provider.introspect(token.access_token, client)).toMatchObject({
          active: true,
          client_id: client.clientId,
        });

        // Refresh through the relay: the provider's answer, and one refresh_token record.
        const { value: refreshed, records: refreshRecords } = await newRecords(() =>
          refresh(relay.url, app, token.refresh_token),
        );
        expect(refreshed.status).toBe(200);
        expect(refreshed.headers.get("cache-control")).toBe("no-store");
        const fresh = (await refreshed.json()) as { access_token: string };
        expect(fresh.access_token).not.toBe(token.access_token);
        expect((await provider.userinfo(fresh.access_token)).status).toBe(200);
        expect(refreshRecords).toEqual([{ server: "oidc", grant: "refresh_token" }]);

        // Nothing the flow carried was printed.
        const code = new URL(callback).searchParams.get("code") ?? "";
        for (const secret of [code, flow.state, token.access_token, token.refresh_token, fresh.access_token]) {
          expect(secret.length).toBeGreaterThan(10);
          expect(relay.output()).not.toContain(secret);
        }
      });
    }
  }

  it("a replayed callback (same state and code) gets the invalid page: no second exchange, no record", async () => {
    const { flow, callback } = await flowToCallback("oidcb", "query");
    const first = await newRecords(() => callRelay(callback));
    const { claims } = await openResult(flow, first.value);
    expect(first.records).toEqual([{ server: "oidc", grant: "authorization_code" }]);

    const second = await newRecords(() => fetch(callback, { redirect: "manual" }));
    expect(second.value.status).toBe(400);
    expect(second.value.headers.get("location")).toBeNull();
    expect(await second.value.text()).toContain("This sign-in link is not valid");
    expect(second.records).toEqual([]);
    // oidc-provider revokes every token issued from a code presented twice (RFC 6749 §4.1.2): the
    // first token still being active shows the relay never sent the code again.
    const token = claims.token as { access_token: string };
    expect(await provider.introspect(token.access_token, BASIC)).toMatchObject({ active: true });
  });

  it("another flow's code under this flow's state fails PKCE: invalid_grant, no record", async () => {
    const a = await flowToCallback("oidcp", "fragment");
    const b = await flowToCallback("oidcp", "fragment");
    const swapped = new URL(a.callback);
    swapped.searchParams.set("code", new URL(b.callback).searchParams.get("code") ?? "");
    const { value, records } = await newRecords(() => callRelay(swapped.href));
    expect(value.mode).toBe("fragment");
    expect(value.fields).toEqual({
      error: "invalid_grant",
      error_description: expect.any(String),
      state: a.flow.state,
    });
    expect(records).toEqual([]);
  });

  it("the user denying consent at the provider delivers access_denied and records nothing", async () => {
    const flow = await startFlow(relay.url, { app: "oidcb", return_to: RETURN_TO, response_mode: "query" });
    const callback = await authorize(flow.authorizationUrl, { deny: true });
    const { value, records } = await newRecords(() => callRelay(callback));
    expect(value.fields).toEqual({ error: "access_denied", error_description: expect.any(String), state: flow.state });
    expect(records).toEqual([]);
  });

  it("an https return_to not in RETURN_ORIGINS: the provider first, then the relay asks; Send completes", async () => {
    const returnTo = "https://qorus.elsewhere.example:8011/oauth2/relay";
    const flow = await startFlow(relay.url, {
      app: "oidcb",
      return_to: returnTo,
      response_mode: "form_post",
      params: { prompt: "consent" },
    });
    // No page before the provider: the authorization URL is the provider's own.
    expect(flow.authorizationUrl.startsWith(`${provider.issuer}/auth?`)).toBe(true);
    const callback = await authorize(flow.authorizationUrl);
    const { value: page, records: before } = await newRecords(() => fetch(callback, { redirect: "manual" }));
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const confirmation = await readConfirmation(page);
    expect(confirmation.text).toContain("Send your OIDC oidcb access to https://qorus.elsewhere.example:8011?");
    expect(confirmation.action).toBe(`${relay.url}/v1/confirm`);
    expect(before).toEqual([]);

    const { value, records } = await newRecords(async () =>
      readDelivery(await answerConfirmation(relay.url, confirmation, "send")),
    );
    expect(value.target).toBe(returnTo);
    await openResult(flow, value);
    expect(records).toEqual([{ server: "oidc", grant: "authorization_code" }]);
  });

  it("Cancel on the confirmation sends nothing anywhere and exchanges nothing", async () => {
    const returnTo = "https://qorus.elsewhere.example/oauth2/relay";
    const flow = await startFlow(relay.url, { app: "oidcp", return_to: returnTo, response_mode: "fragment" });
    const callback = await authorize(flow.authorizationUrl);
    const confirmation = await readConfirmation(await fetch(callback, { redirect: "manual" }));
    const { value, records } = await newRecords(() => answerConfirmation(relay.url, confirmation, "cancel"));
    expect(value.status).toBe(200);
    expect(value.headers.get("location")).toBeNull();
    expect(await value.text()).toContain("Nothing was sent to https://qorus.elsewhere.example");
    expect(records).toEqual([]);
    // A pending object answers once: Send after Cancel is refused, still with no exchange.
    const again = await answerConfirmation(relay.url, confirmation, "send");
    expect(again.status).toBe(400);
    expect(records).toEqual([]);
  });

  it("loopback http and RETURN_ORIGINS return_to go straight to the provider (no confirm page)", async () => {
    for (const returnTo of [RETURN_TO, "http://localhost:8011/x", `${ALLOWED_ORIGIN}/oauth2/relay`]) {
      const flow = await startFlow(relay.url, { app: "oidcb", return_to: returnTo });
      expect(flow.authorizationUrl.startsWith(`${provider.issuer}/auth?`)).toBe(true);
      const url = new URL(flow.authorizationUrl);
      expect(url.searchParams.get("redirect_uri")).toBe(`${relay.url}/v1/callback/oidcb`);
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    }
  });
});
