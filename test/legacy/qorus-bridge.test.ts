/**
 * The Qorus cloud API bridge (LEGACY_QORUS=1) on Node and workerd, driven by an instance stand-in
 * that builds its requests the way Qore's RestClient does (test/harness/instance.ts): a whole
 * sign-in against a real OAuth2 server (oidc-provider, PKCE from the instance) and a refresh; an
 * unlisted update_connection_uri through the confirmation; and every hostile input refused with no
 * upstream call and nothing echoed.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../fakes/http.js";
import { genericApp } from "../harness/generic-app.js";
import {
  answerConfirmation,
  qorusAuthorizationUrl,
  qorusRefreshBody,
  qorusState,
  readConfirmation,
  readQorusDelivery,
} from "../harness/instance.js";
import { authorize, newClient, type OidcServer, startOidcProvider } from "../harness/oidc.js";
import {
  freePort,
  grantRecords,
  newStateKeys,
  type RelayUnderTest,
  RUNTIMES,
  type Runtime,
  startRelay,
} from "../harness/relay.js";

const UI_PAGE = "https://qorus.acme.example/ui/connections/dropbox";
const UPDATE_URI = "http://127.0.0.1:8011/api/latest/connections/dropbox/oauth2";
const AUTH_CONTEXT = "opaque-auth-context-from-the-instance";

describe.each(RUNTIMES)("Qorus cloud API bridge on %s, against oidc-provider", (runtime: Runtime) => {
  const client = newClient("qorus", "client_secret_basic");
  let provider: OidcServer;
  let relay: RelayUnderTest;
  let relayUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    relayUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider(relayUrl, [
      { ...client, extraRedirectUris: [`${relayUrl}/qorus-oauth2-redirect`] },
    ]);
    relay = await startRelay(runtime, {
      PORT: String(port),
      RELAY_URL: relayUrl,
      STATE_KEYS: newStateKeys(),
      APPS: JSON.stringify([{ ...provider.app(client), qorus_app: "QorusTestApp" }]),
      CLIENT_SECRET_QORUS: client.clientSecret,
      LEGACY_QORUS: "1",
      RATE_LIMIT: "off",
    });
  });

  afterAll(async () => {
    await relay?.close();
    await provider?.close();
  });

  /** What a Qorus instance does to start: its own state and PKCE, its own provider URL. */
  function instanceStart(updateConnectionUri = UPDATE_URI) {
    const verifier = randomBytes(48).toString("base64url");
    const state = qorusState({
      conn: "dropbox-conn",
      token_uri: `${provider.issuer}/token`,
      auth_context: AUTH_CONTEXT,
      redirect_uri: UI_PAGE,
      update_connection_uri: updateConnectionUri,
      client_id: client.clientId,
      client_secret: "cloud",
      oauth2_app: "QorusTestApp",
      grant_type: "authorization_code",
      code_verifier: verifier,
    });
    const authorizationUrl = qorusAuthorizationUrl({
      authUrl: `${provider.issuer}/auth`,
      scopes: ["openid", "offline_access"],
      redirectUri: `${relayUrl}/qorus-oauth2-redirect`,
      clientId: client.clientId,
      authArgs: { prompt: "consent" },
      state,
      codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
    });
    return { authorizationUrl, state };
  }

  it("a whole sign-in: the provider, the relay's exchange, the tokens on update_connection_uri; then a refresh", async () => {
    const { authorizationUrl } = instanceStart();
    const callback = await authorize(authorizationUrl);
    expect(callback.startsWith(`${relayUrl}/qorus-oauth2-redirect?`)).toBe(true);
    await relay.settle();
    const before = grantRecords(relay).length;
    const delivered = readQorusDelivery(await fetch(callback, { redirect: "manual" }));
    expect(delivered.target).toBe(UPDATE_URI);
    expect(delivered.redirectUri).toBe(UI_PAGE);
    expect(delivered.fields).toMatchObject({ conn: "dropbox-conn", auth_context: AUTH_CONTEXT, token_type: "Bearer" });
    expect(Number(delivered.fields.expires_in)).toBeGreaterThan(0);
    const accessToken = delivered.fields.access_token ?? "";
    expect((await provider.userinfo(accessToken)).status).toBe(200);

    // Refresh as RestClient does it, to the alternate token URL.
    const refreshed = await fetch(`${relayUrl}/qorus-api/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/x-www-form-urlencoded,application/json",
      },
      body: qorusRefreshBody({
        clientId: client.clientId,
        refreshToken: delivered.fields.refresh_token ?? "",
        oauth2App: "QorusTestApp",
        tokenUrl: `${provider.issuer}/token`,
      }),
    });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json()) as { access_token: string; token_type: string };
    expect(fresh.token_type).toBe("Bearer");
    expect((await provider.userinfo(fresh.access_token)).status).toBe(200);
    await relay.settle();
    expect(grantRecords(relay).slice(before)).toEqual([
      { server: "oidc", grant: "authorization_code" },
      { server: "oidc", grant: "refresh_token" },
    ]);
    // Nothing of it printed.
    for (const secret of [
      accessToken,
      delivered.fields.refresh_token ?? "",
      AUTH_CONTEXT,
      new URL(callback).searchParams.get("code") ?? "",
    ])
      expect(relay.output()).not.toContain(secret);
  });

  it("a replayed redirect: the state is good once", async () => {
    const callback = await authorize(instanceStart().authorizationUrl);
    expect((await fetch(callback, { redirect: "manual" })).status).toBe(303);
    const replay = await fetch(callback, { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(replay.headers.get("location")).toBeNull();
  });

  it("an unlisted https update_connection_uri: the confirmation first; Send delivers", async () => {
    const elsewhere = "https://qorus.elsewhere.example/api/latest/connections/dropbox/oauth2";
    const callback = await authorize(instanceStart(elsewhere).authorizationUrl);
    const page = await fetch(callback, { redirect: "manual" });
    const confirmation = await readConfirmation(page);
    expect(confirmation.action).toBe(`${relayUrl}/qorus-oauth2-redirect/confirm`);
    expect(confirmation.text).toContain("https://qorus.elsewhere.example");
    const sent = await answerConfirmation(relayUrl, confirmation, "send");
    if (sent.status !== 303)
      throw new Error(
        `Send answered ${sent.status}: ${(await sent.text())
          .replace(/<style[\s\S]*?<\/style>/, "")
          .replace(/<[^>]+>/g, " ")
          .slice(0, 600)}`,
      );
    const delivered = readQorusDelivery(sent);
    expect(delivered.target).toBe(elsewhere);
    expect(delivered.fields.access_token).toBeTruthy();
  });
});

describe.each(RUNTIMES)("the bridge refuses on %s", (runtime: Runtime) => {
  const AS = "https://as.acme.test";
  const calls: string[] = [];
  let relay: RelayUnderTest;
  const RELAY_URL = "https://relay.example.test";
  const good = {
    conn: "c",
    token_uri: `${AS}/token`,
    auth_context: "ctx",
    redirect_uri: UI_PAGE,
    update_connection_uri: UPDATE_URI,
    client_id: "acme-client",
    client_secret: "cloud",
    oauth2_app: "acme",
    grant_type: "authorization_code",
  };

  beforeAll(async () => {
    relay = await startRelay(
      runtime,
      {
        RELAY_URL,
        STATE_KEYS: newStateKeys(),
        LEGACY_QORUS: "1",
        RATE_LIMIT: "off",
        RETURN_POLICY: "allowlist",
        APPS: JSON.stringify([
          genericApp("acme", AS, {
            method: "client_secret_post",
            app: { scopes: { default: ["read"], allow: ["read"] } },
          }),
          { id: "other", client_id: "other-client", server: "dropbox" },
          { id: "ms", client_id: "ms-client", server: "microsoft" },
        ]),
        CLIENT_SECRET_ACME: "ACME_SECRET_SENTINEL",
        CLIENT_SECRET_OTHER: "OTHER_SECRET_SENTINEL",
        CLIENT_SECRET_MS: "MS_SECRET_SENTINEL",
      },
      {
        outbound: async (request) => {
          calls.push(request.url);
          return json({ access_token: "at", token_type: "Bearer", expires_in: 3600, refresh_token: "rt" });
        },
      },
    );
  });

  afterAll(async () => {
    await relay?.close();
  });

  const redirect = (query: string) => fetch(`${relay.url}/qorus-oauth2-redirect?${query}`, { redirect: "manual" });
  const withState = (fields: Record<string, unknown>) =>
    `code=the-code&state=${encodeURIComponent(qorusState(fields))}`;
  const bomb = Buffer.from(
    [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "conn: *c",
    ].join("\n"),
  ).toString("base64");

  const REFUSED: Array<[string, () => string, RegExp]> = [
    [
      "a state naming a foreign token_uri",
      () => withState({ ...good, token_uri: "https://evil.example/token" }),
      /token URL/,
    ],
    ["another app's client_id", () => withState({ ...good, client_id: "other-client" }), /client_id/],
    [
      "a real client secret (never forwarded)",
      () => withState({ ...good, client_secret: "SECRET_IN_A_BROWSER_URL" }),
      /must be &quot;cloud&quot;/,
    ],
    ["an unknown oauth2_app", () => withState({ ...good, oauth2_app: "nosuch" }), /oauth2_app/],
    ["a YAML bomb (aliases)", () => `code=c&state=${encodeURIComponent(bomb)}`, /aliases/],
    [
      "a YAML list, not a mapping",
      () => `code=c&state=${encodeURIComponent(Buffer.from("- a\n- b\n").toString("base64"))}`,
      /mapping/,
    ],
    [
      "a YAML scalar",
      () => `code=c&state=${encodeURIComponent(Buffer.from("just text").toString("base64"))}`,
      /mapping/,
    ],
    ["a nested value", () => withState({ ...good, conn: { nested: "x" } }), /conn/],
    ["an oversize state", () => `code=c&state=${"A".repeat(5000)}`, /4096/],
    ["not base64", () => "code=c&state=%25%25%25", /base64/],
    ["a missing field", () => withState({ ...good, update_connection_uri: undefined }), /update_connection_uri/],
    [
      "grant_type other than authorization_code",
      () => withState({ ...good, grant_type: "client_credentials" }),
      /grant_type/,
    ],
    [
      "an unlisted update_connection_uri (policy allowlist)",
      () => withState({ ...good, update_connection_uri: "https://evil.example/steal" }),
      /update_connection_uri/,
    ],
    [
      "a plain-http LAN update_connection_uri not listed",
      () => withState({ ...good, update_connection_uri: "http://10.0.0.9:8011/x" }),
      /update_connection_uri/,
    ],
    [
      "a Microsoft token_uri on another host",
      () =>
        withState({
          ...good,
          oauth2_app: "ms",
          client_id: "ms-client",
          token_uri: "https://login.microsoftonline.com.evil.example/common/oauth2/v2.0/token",
        }),
      /token URL/,
    ],
    [
      "a Microsoft token_uri with a path in the tenant",
      () =>
        withState({
          ...good,
          oauth2_app: "ms",
          client_id: "ms-client",
          token_uri: "https://login.microsoftonline.com/a/b/oauth2/v2.0/token",
        }),
      /token URL/,
    ],
  ];

  it.each(REFUSED)("%s → 400, no upstream call, nothing echoed", async (_name, query, message) => {
    const before = calls.length;
    const response = await redirect(query());
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    const page = await response.text();
    expect(page).toMatch(message);
    for (const echoed of ["evil.example", "SECRET_IN_A_BROWSER_URL", "10.0.0.9", "nosuch"])
      expect(page).not.toContain(echoed);
    expect(calls.length).toBe(before);
  });

  it("duplicate parameters → the uniform invalid page, no upstream call", async () => {
    const before = calls.length;
    for (const query of [
      `${withState(good)}&code=again`,
      `${withState(good)}&state=${encodeURIComponent(qorusState(good))}`,
    ]) {
      const response = await redirect(query);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("This sign-in link is not valid");
    }
    expect(calls.length).toBe(before);
  });

  it("a provider error: the relay's own page, no delivery (the old protocol has none)", async () => {
    const response = await redirect(`error=access_denied&state=${encodeURIComponent(qorusState(good))}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("access_denied");
  });

  it("control: the same state, untampered, exchanges once, with the Microsoft tenant read from token_uri", async () => {
    const before = calls.length;
    const delivered = readQorusDelivery(await redirect(withState(good)));
    expect(delivered.target).toBe(UPDATE_URI);
    expect(calls.slice(before)).toEqual([`${AS}/token`]);
    const ms = readQorusDelivery(
      await redirect(
        withState({
          ...good,
          conn: "ms",
          oauth2_app: "ms",
          client_id: "ms-client",
          token_uri: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        }),
      ),
    );
    expect(ms.fields.access_token).toBe("at");
    expect(calls.at(-1)).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
  });

  const token = (body: URLSearchParams | string) =>
    fetch(`${relay.url}/qorus-api/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
  const refreshBody = (overrides: Record<string, string> = {}) => {
    const body = qorusRefreshBody({
      clientId: "acme-client",
      refreshToken: "rt",
      oauth2App: "acme",
      tokenUrl: `${AS}/token`,
    });
    for (const [name, value] of Object.entries(overrides)) body.set(name, value);
    return body;
  };

  it.each<[string, () => URLSearchParams | string, number, RegExp]>([
    [
      "a foreign oauth2_token_url",
      () => refreshBody({ oauth2_token_url: "https://evil.example/token" }),
      400,
      /token URL/,
    ],
    ["another app's client_id", () => refreshBody({ client_id: "other-client" }), 400, /client_id/],
    ["a real client secret", () => refreshBody({ client_secret: "REAL_SECRET" }), 400, /"cloud"/],
    ["an unknown field", () => `${refreshBody()}&oauth2_headers=x`, 400, /unknown parameter/],
    ["a duplicate field", () => `${refreshBody()}&refresh_token=again`, 400, /more than once/],
    [
      "grant_type authorization_code",
      () => refreshBody({ grant_type: "authorization_code" }),
      400,
      /grant_type=refresh_token/,
    ],
    ["a scope outside the allow-list", () => refreshBody({ scope: "admin" }), 400, /scope/],
  ])("refresh with %s → %d, no upstream call", async (_name, body, status, message) => {
    const before = calls.length;
    const response = await token(body());
    expect(response.status).toBe(status);
    const answer = (await response.json()) as { error_description: string };
    expect(answer.error_description).toMatch(message);
    expect(JSON.stringify(answer)).not.toContain("evil.example");
    expect(calls.length).toBe(before);
  });

  it("refresh control: the relay adds its own secret and posts to the configured endpoint", async () => {
    const before = calls.length;
    const response = await token(refreshBody({ oauth2_token_use_basic_auth: "false" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ access_token: "at" });
    expect(calls.slice(before)).toEqual([`${AS}/token`]);
  });

  it("without LEGACY_QORUS=1 the bridge's paths do not exist", async () => {
    const plain = await startRelay(runtime, {
      RELAY_URL,
      STATE_KEYS: newStateKeys(),
      APPS: JSON.stringify([{ id: "other", client_id: "other-client", server: "dropbox" }]),
      CLIENT_SECRET_OTHER: "x",
    });
    try {
      expect((await fetch(`${plain.url}/qorus-oauth2-redirect?code=c&state=x`)).status).toBe(404);
      expect((await fetch(`${plain.url}/qorus-api/token`, { method: "POST" })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
