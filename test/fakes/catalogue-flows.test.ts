/**
 * Every catalogue entry end to end, on both runtimes: one relay per runtime with an app for each of
 * the 43 entries, each app's token endpoint answered by the table-driven fake built from its entry
 * and facts (catalogue-provider.ts). Per entry: a flow with the default scopes (authorize → callback
 * → code exchange → encrypted result → exactly one record), then refreshes through /v1/token/<app>
 * as the entry's refresh behaviour says they go. The fake checks everything the relay sends against
 * the entry; this file checks what comes back. Also: the fake's own checks, so its strictness is
 * not assumed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientSecretVariable } from "../../src/config.js";
import { CATALOGUE } from "../../src/servers/catalogue.js";
import { CATALOGUE_FACTS, type ProviderFacts } from "../../src/servers/catalogue-facts.js";
import type { CatalogueEntry } from "../../src/servers/entry.js";
import { decryptFor, type InstanceKey, newInstanceKey, newInstanceState, readDelivery } from "../harness/instance.js";
import { grantRecords, newStateKeys, type RelayUnderTest, RUNTIMES, startRelay } from "../harness/relay.js";
import { CatalogueFake, catalogueRouter, ISSUED_PREFIX } from "./catalogue-provider.js";
import { callbackFetchArgs, type RecordedRequest, s256 } from "./http.js";

const CONFIGURED_RELAY_URL = "https://relay.example.test";
const RETURN_TO = "http://127.0.0.1:8011/oauth2/relay?instance=1";

type Vars = Record<string, string>;

/**
 * Who sets which variable: the operator (APPS `vars`) or the instance per flow (`vars` in the flow
 * request, then form fields on refresh). Entries not listed use their defaults; a required variable
 * of an entry added later falls back to its example (per flow, or in APPS when operator-only).
 */
const VARIABLES: Readonly<Record<string, { readonly app?: Vars; readonly flow?: Vars }>> = {
  salesforce: { flow: { login_host: "acme--uat.sandbox.my.salesforce.com" } },
  microsoft: { flow: { tenant: "contoso.onmicrosoft.com" } },
  dynamics: { app: { org: "contoso" }, flow: { crm_region: "crm4" } },
  "business-central": { app: { tenant: "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c" } },
  netsuite: { flow: { account_id: "1234567-sb1" } },
  servicenow: { app: { instance: "dev12345" } },
  gitlab: { app: { host: "gitlab.example.com" } },
  zoho: { flow: { accounts_host: "accounts.zoho.eu" } },
  square: { app: { host: "connect.squareupsandbox.com" } },
  gorgias: { flow: { subdomain: "acme" } },
  zendesk: { app: { subdomain: "acme-support" } },
  docusign: { flow: { auth_host: "account-d.docusign.com" } },
};

function variablesOf(entry: CatalogueEntry): { app: Vars; flow: Vars; effective: Vars } {
  const listed = VARIABLES[entry.id] ?? {};
  const app: Vars = { ...listed.app };
  const flow: Vars = { ...listed.flow };
  const defaults: Vars = {};
  for (const [name, variable] of Object.entries(entry.vars ?? {})) {
    if (variable.default !== undefined) defaults[name] = variable.default;
    else if (app[name] === undefined && flow[name] === undefined)
      (variable.operator ? app : flow)[name] = variable.example;
  }
  return { app, flow, effective: { ...defaults, ...app, ...flow } };
}

const clientIdOf = (entry: CatalogueEntry) => `${entry.id}.client-7Qx`;
/** `+ / = : %` and a valid %-escape: survives only the encoding the entry names (raw vs form). */
const secretOf = (entry: CatalogueEntry) => `sec+ret/${entry.id}==:%2F%zz~`;

function factsOf(entry: CatalogueEntry): ProviderFacts {
  const facts = CATALOGUE_FACTS[entry.id];
  if (!facts) throw new Error(`no facts for ${entry.id}`);
  return facts;
}

/** A fake for the entry, expecting the values the suite sets for its variables. */
function fakeFor(entry: CatalogueEntry, vars: Vars = variablesOf(entry).effective): CatalogueFake {
  return new CatalogueFake({
    entry,
    facts: factsOf(entry),
    clientId: clientIdOf(entry),
    clientSecret: secretOf(entry),
    redirectUri: `${CONFIGURED_RELAY_URL}/v1/callback/${entry.id}`,
    vars,
  });
}

function relayEnv(): Record<string, string> {
  const env: Record<string, string> = {
    RELAY_URL: CONFIGURED_RELAY_URL,
    STATE_KEYS: newStateKeys(),
    RATE_LIMIT: "off",
    UPSTREAM_TIMEOUT_MS: "5000",
    APPS: JSON.stringify(
      CATALOGUE.map((entry) => {
        const { app } = variablesOf(entry);
        return {
          id: entry.id,
          server: entry.id,
          client_id: clientIdOf(entry),
          ...(Object.keys(app).length > 0 ? { vars: app } : {}),
        };
      }),
    ),
  };
  for (const entry of CATALOGUE) env[clientSecretVariable(entry.id)] = secretOf(entry);
  return env;
}

/** What the relay must forward: the provider's token response, token_type Bearer where the entry lets it be missing. */
function forwarded(entry: CatalogueEntry, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return entry.bearerIfMissing && body.token_type === undefined ? { ...body, token_type: "Bearer" } : { ...body };
}

function secretForms(entry: CatalogueEntry): string[] {
  const secret = secretOf(entry);
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
}

/** No secret in the URL of any request the relay made upstream, and no query at all. */
function expectNoSecretInUrls(requests: readonly RecordedRequest[], entries: readonly CatalogueEntry[]): void {
  for (const request of requests) {
    expect(new URL(request.url).search, request.url).toBe("");
    for (const entry of entries) {
      for (const form of secretForms(entry)) expect(request.url).not.toContain(form);
    }
  }
}

describe("the catalogue has something to test", () => {
  it("43 entries, each with facts; variables set both by the operator and per flow", () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    for (const entry of CATALOGUE) expect(CATALOGUE_FACTS[entry.id], entry.id).toBeDefined();
    const setups = CATALOGUE.map(variablesOf);
    expect(setups.some((setup) => Object.keys(setup.app).length > 0)).toBe(true);
    expect(setups.some((setup) => Object.keys(setup.flow).length > 0)).toBe(true);
    for (const behaviour of ["reusable", "rotating", "optional-rotation", "none"]) {
      expect(
        CATALOGUE.some((entry) => factsOf(entry).refresh === behaviour),
        behaviour,
      ).toBe(true);
    }
  });
});

describe.each(RUNTIMES)("every catalogue entry on %s", (runtime) => {
  const fakes = new Map(CATALOGUE.map((entry) => [entry.id, fakeFor(entry)]));
  const router = catalogueRouter(fakes.values());
  let relay: RelayUnderTest;
  let key: InstanceKey;

  beforeAll(async () => {
    [relay, key] = await Promise.all([
      startRelay(runtime, relayEnv(), { outbound: router.handler }),
      newInstanceKey("X25519"),
    ]);
  });
  afterAll(async () => {
    await relay?.close();
  });

  async function records() {
    await relay.settle();
    return grantRecords(relay);
  }

  function refresh(entry: CatalogueEntry, refreshToken: string): Promise<Response> {
    return fetch(`${relay.url}/v1/token/${entry.id}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        ...variablesOf(entry).flow,
      }),
    });
  }

  /** A refresh the provider accepts: 200, the provider's answer forwarded, one refresh record. */
  async function expectRefreshed(entry: CatalogueEntry, fake: CatalogueFake, refreshToken: string) {
    const before = (await records()).length;
    const issued = fake.issued.length;
    const response = await refresh(entry, refreshToken);
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(fake.issued.length).toBe(issued + 1);
    const answer = fake.issued.at(-1);
    expect(answer?.grant).toBe("refresh_token");
    expect(body).toEqual(forwarded(entry, answer?.body ?? {}));
    expect(String(body.access_token).startsWith(ISSUED_PREFIX.access)).toBe(true);
    expect((await records()).slice(before)).toEqual([{ server: entry.id, grant: "refresh_token" }]);
    return body;
  }

  /** A refresh the provider refuses: its error answer passed through with 400, no record. */
  async function expectRefused(entry: CatalogueEntry, fake: CatalogueFake, refreshToken: string) {
    const before = (await records()).length;
    const refusals = fake.refusals.length;
    const response = await refresh(entry, refreshToken);
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(body)).toBe(400);
    expect(fake.refusals.length).toBe(refusals + 1);
    expect(body).toEqual(fake.refusals.at(-1)?.body);
    expect(body).toEqual(
      entry.okField
        ? { ok: false, error: "invalid_refresh_token" }
        : expect.objectContaining({ error: "invalid_grant" }),
    );
    expect((await records()).slice(before)).toEqual([]);
  }

  it.each(CATALOGUE)("$id: code flow with the default scopes, then refresh", async (entry) => {
    const fake = fakes.get(entry.id) as CatalogueFake;
    const facts = factsOf(entry);
    const { flow, effective } = variablesOf(entry);
    const recordsBefore = (await records()).length;
    const calls = fake.tokenRequests.length;
    const upstream = router.requests.length;

    // 1. The flow, variables per flow where this entry takes them so.
    const state = newInstanceState();
    const started = await fetch(`${relay.url}/v1/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        app: entry.id,
        return_to: RETURN_TO,
        state,
        key: key.publicJwk,
        ...(Object.keys(flow).length > 0 ? { vars: flow } : {}),
      }),
    });
    const reply = (await started.json()) as { authorization_url?: string; issuer?: string; error_description?: string };
    expect(started.status, reply.error_description).toBe(201);
    expect(reply.issuer).toBe(CONFIGURED_RELAY_URL);
    const authorizationUrl = reply.authorization_url ?? "";
    for (const form of secretForms(entry)) expect(authorizationUrl).not.toContain(form);

    // 2. The provider's pages: the fake checks the authorization request against the entry.
    const outcome = await fake.authorize(authorizationUrl);
    if (outcome.kind !== "callback")
      throw new Error(`${entry.id} refused the authorization request: ${outcome.message}`);
    expect(outcome.request.method).toBe(entry.fixed?.response_mode === "form_post" ? "POST" : "GET");

    // 3. The browser brings the answer to the relay, which exchanges the code and delivers.
    const callback = await fetch(...callbackFetchArgs(outcome.request, CONFIGURED_RELAY_URL, relay.url));
    const delivered = await readDelivery(callback);
    expect(delivered.target).toBe(RETURN_TO);
    expect(delivered.fields.error_description, delivered.fields.error).toBeUndefined();
    expect(delivered.fields.state).toBe(state);
    const { payload } = await decryptFor(delivered.fields.result ?? "", key, CONFIGURED_RELAY_URL);
    expect(fake.tokenRequests.length - calls).toBe(1);
    expect(fake.issued.at(-1)?.grant).toBe("authorization_code");
    const token = forwarded(entry, fake.issued.at(-1)?.body ?? {});
    expect(payload).toMatchObject({ state, app: entry.id, server: entry.id, tenant: effective.tenant ?? null });
    expect(payload.token).toEqual(token);
    expect(String(token.access_token).startsWith(`${ISSUED_PREFIX.access}${entry.id}_`)).toBe(true);
    if (entry.bearerIfMissing) expect((payload.token as Record<string, unknown>).token_type).toBe("Bearer");
    if (entry.okField) expect(payload.token).toMatchObject({ ok: true, token_type: "bot" });
    expect((await records()).slice(recordsBefore)).toEqual([{ server: entry.id, grant: "authorization_code" }]);

    // 4. Refresh as the facts say the provider does it.
    const refreshToken = token.refresh_token;
    if (facts.refresh === "none") {
      expect(refreshToken).toBeUndefined();
      await expectRefused(entry, fake, `${ISSUED_PREFIX.refresh}never-issued`);
    } else {
      expect(refreshToken).toEqual(expect.stringMatching(new RegExp(`^${ISSUED_PREFIX.refresh}`)));
      const first = await expectRefreshed(entry, fake, String(refreshToken));
      if (facts.refresh === "rotating") {
        expect(first.refresh_token).toEqual(expect.stringMatching(new RegExp(`^${ISSUED_PREFIX.refresh}`)));
        expect(first.refresh_token).not.toBe(refreshToken);
        expect(fake.refreshTokenValid(String(refreshToken))).toBe(false);
        await expectRefused(entry, fake, String(refreshToken));
        await expectRefreshed(entry, fake, String(first.refresh_token));
      } else {
        expect(first.refresh_token).toBeUndefined();
        await expectRefreshed(entry, fake, String(refreshToken));
      }
      await expectRefused(entry, fake, `${ISSUED_PREFIX.refresh}made-up`);
    }

    // 5. Nothing went anywhere but this entry's token endpoint, and the secret never in a URL.
    const sent = router.requests.slice(upstream);
    expect(sent.length).toBe(fake.tokenRequests.length - calls);
    for (const request of sent) expect(fake.servesTokenUrl(request.url)).toBe(true);
    expectNoSecretInUrls(sent, [entry]);
  });

  it("the relay never put a secret in a URL or its output", async () => {
    expect(router.requests.length).toBeGreaterThanOrEqual(CATALOGUE.length * 2);
    expectNoSecretInUrls(router.requests, CATALOGUE);
    await relay.settle();
    const output = `${relay.output()}\n${relay.records().join("\n")}`;
    for (const entry of CATALOGUE) for (const form of secretForms(entry)) expect(output).not.toContain(form);
    for (const prefix of Object.values(ISSUED_PREFIX)) expect(output).not.toContain(prefix);
  });
});

// ---------------------------------------------------------------------------------------------
// The fake's own checks: each is shown to refuse what the entry does not allow.

function entryById(id: string): CatalogueEntry {
  const entry = CATALOGUE.find((candidate) => candidate.id === id);
  if (!entry) throw new Error(`no catalogue entry ${id}`);
  return entry;
}

const VERIFIER = "v".repeat(43);

/** A token request as a client would send it, with the credentials placed and encoded as given. */
function tokenRequest(
  fake: CatalogueFake,
  fields: Record<string, string>,
  how: { auth: "basic-raw" | "basic-form" | "post"; body: "form" | "json"; secret?: string },
): Request {
  const { clientId } = fake.options;
  const secret = how.secret ?? fake.options.clientSecret;
  const all = how.auth === "post" ? { ...fields, client_id: clientId, client_secret: secret } : fields;
  const headers: Record<string, string> = {
    "content-type": how.body === "json" ? "application/json" : "application/x-www-form-urlencoded",
  };
  if (how.auth !== "post") {
    const encode = (value: string) =>
      how.auth === "basic-raw" ? value : encodeURIComponent(value).replace(/%20/g, "+");
    headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString("base64")}`;
  }
  const body = how.body === "json" ? JSON.stringify(all) : new URLSearchParams(all).toString();
  return new Request(fake.tokenUrl, { method: "POST", headers, body });
}

async function codeFields(fake: CatalogueFake): Promise<Record<string, string>> {
  const code = fake.issueCode(await s256(VERIFIER));
  return { grant_type: "authorization_code", code, redirect_uri: fake.options.redirectUri, code_verifier: VERIFIER };
}

/** An authorization URL as the relay builds it for this fake, with `change` applied to the query. */
function authorizationUrlFor(fake: CatalogueFake, change: (query: URLSearchParams) => void = () => {}): string {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: fake.options.clientId,
    redirect_uri: fake.options.redirectUri,
    state: "s".repeat(40),
    code_challenge: "c".repeat(43),
    code_challenge_method: "S256",
    ...fake.entry.fixed,
  });
  if (fake.expectedScopes.length > 0) query.set("scope", fake.expectedScopes.join(fake.separator));
  change(query);
  return `${fake.authorizeUrl}?${query}`;
}

describe("the catalogue fake refuses what its entry does not allow", () => {
  it("basic raw (NetSuite): the raw secret passes, the form-encoded one and the body secret fail", async () => {
    const fake = fakeFor(entryById("netsuite"));
    const raw = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth: "basic-raw", body: "form" }));
    expect(raw.status).toBe(200);
    const form = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth: "basic-form", body: "form" }));
    expect(form.status).toBe(401);
    const post = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth: "post", body: "form" }));
    expect(post.status).toBe(400);
  });

  it("basic form (an entry that said so): the form-encoded secret passes, the raw one fails", async () => {
    const fake = fakeFor({ ...entryById("netsuite"), auth: { method: "basic", encoding: "form" } });
    const form = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth: "basic-form", body: "form" }));
    expect(form.status).toBe(200);
    const raw = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth: "basic-raw", body: "form" }));
    expect(raw.status).toBe(401);
  });

  it("post (Dropbox): body credentials pass; Basic, or a wrong secret, fail", async () => {
    const fake = fakeFor(entryById("dropbox"));
    const fields = await codeFields(fake);
    expect((await fake.handle(tokenRequest(fake, fields, { auth: "post", body: "form" }))).status).toBe(200);
    const basic = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth: "basic-raw", body: "form" }));
    expect(basic.status).toBe(400);
    const wrong = await fake.handle(
      tokenRequest(fake, await codeFields(fake), { auth: "post", body: "form", secret: "sec ret" }),
    );
    expect(wrong.status).toBe(401);
  });

  it("JSON bodies (Square, Notion, Zendesk) and form bodies: the other content type is refused", async () => {
    for (const id of ["square", "notion", "zendesk"]) {
      const fake = fakeFor(entryById(id));
      const auth = fake.entry.auth?.method === "basic" ? "basic-raw" : "post";
      const asForm = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth, body: "form" }));
      expect(asForm.status, id).toBe(400);
      const asJson = await fake.handle(tokenRequest(fake, await codeFields(fake), { auth, body: "json" }));
      expect(asJson.status, id).toBe(200);
    }
    const google = fakeFor(entryById("google"));
    const asJson = await google.handle(tokenRequest(google, await codeFields(google), { auth: "post", body: "json" }));
    expect(asJson.status).toBe(400);
  });

  it("codes are one-time, bound to the verifier and the redirect_uri", async () => {
    const fake = fakeFor(entryById("github"));
    const fields = await codeFields(fake);
    const how = { auth: "post", body: "form" } as const;
    expect((await fake.handle(tokenRequest(fake, fields, how))).status).toBe(200);
    expect((await fake.handle(tokenRequest(fake, fields, how))).status).toBe(400);
    const wrongVerifier = { ...(await codeFields(fake)), code_verifier: "w".repeat(43) };
    expect((await fake.handle(tokenRequest(fake, wrongVerifier, how))).status).toBe(400);
    const wrongRedirect = { ...(await codeFields(fake)), redirect_uri: `${CONFIGURED_RELAY_URL}/v1/callback/other` };
    expect((await fake.handle(tokenRequest(fake, wrongRedirect, how))).status).toBe(400);
    const withQuery = tokenRequest(fake, await codeFields(fake), how);
    const queried = new Request(`${fake.tokenUrl}?client_secret=x`, {
      method: "POST",
      headers: withQuery.headers,
      body: await withQuery.text(),
    });
    expect((await fake.handle(queried)).status).toBe(400);
  });

  it("Slack: errors are HTTP 200 with ok:false; tokens carry ok:true and token_type bot", async () => {
    const fake = fakeFor(entryById("slack"));
    const fields = await codeFields(fake);
    const how = { auth: "basic-raw", body: "form" } as const;
    const good = await fake.handle(tokenRequest(fake, fields, how));
    expect(await good.json()).toMatchObject({ ok: true, token_type: "bot" });
    const again = await fake.handle(tokenRequest(fake, fields, how));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: false, error: "invalid_code" });
  });

  it("token responses: no token_type with bearerIfMissing, lower-case bearer from Dropbox", async () => {
    const linkedin = fakeFor(entryById("linkedin"));
    const answer = await linkedin.handle(
      tokenRequest(linkedin, await codeFields(linkedin), { auth: "post", body: "form" }),
    );
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body.access_token).toEqual(expect.any(String));
    expect("token_type" in body).toBe(false);
    expect("refresh_token" in body).toBe(false); // refresh: none
    expect(fakeFor(entryById("dropbox")).tokenType).toBe("bearer");
  });

  it("refresh: rotating invalidates the old token; reusable omits refresh_token; none refuses", async () => {
    const how = { auth: "post", body: "form" } as const;
    const rotating = fakeFor(entryById("discord"));
    const first = (await (
      await rotating.handle(tokenRequest(rotating, await codeFields(rotating), how))
    ).json()) as Record<string, string>;
    const old = first.refresh_token ?? "";
    const renewed = await rotating.handle(
      tokenRequest(rotating, { grant_type: "refresh_token", refresh_token: old }, how),
    );
    expect(((await renewed.json()) as Record<string, unknown>).refresh_token).toEqual(expect.any(String));
    const replay = await rotating.handle(
      tokenRequest(rotating, { grant_type: "refresh_token", refresh_token: old }, how),
    );
    expect(replay.status).toBe(400);

    const reusable = fakeFor(entryById("google"));
    const granted = (await (
      await reusable.handle(tokenRequest(reusable, await codeFields(reusable), how))
    ).json()) as Record<string, string>;
    for (let i = 0; i < 2; i++) {
      const again = await reusable.handle(
        tokenRequest(reusable, { grant_type: "refresh_token", refresh_token: granted.refresh_token ?? "" }, how),
      );
      expect(again.status).toBe(200);
      expect("refresh_token" in ((await again.json()) as object)).toBe(false);
    }

    const none = fakeFor(entryById("github"));
    const refused = await none.handle(tokenRequest(none, { grant_type: "refresh_token", refresh_token: "x" }, how));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("authorize: endpoint, variables, separator, fixed parameters, Apollo's fragment, form_post", async () => {
    const slack = fakeFor(entryById("slack"));
    expect((await slack.authorize(authorizationUrlFor(slack))).kind).toBe("callback");
    const spaced = authorizationUrlFor(slack, (q) => q.set("scope", slack.expectedScopes.join(" ")));
    expect((await slack.authorize(spaced)).kind).toBe("error_page");

    const google = fakeFor(entryById("google"));
    expect((await google.authorize(authorizationUrlFor(google, (q) => q.delete("access_type")))).kind).toBe(
      "error_page",
    );
    expect((await google.authorize(authorizationUrlFor(google, (q) => q.set("extra", "1")))).kind).toBe("error_page");
    expect((await google.authorize(authorizationUrlFor(google, (q) => q.set("scope", "openid")))).kind).toBe(
      "error_page",
    );

    const netsuite = fakeFor(entryById("netsuite"));
    const otherAccount = authorizationUrlFor(netsuite).replace("1234567-sb1.", "7654321.");
    expect((await netsuite.authorize(otherAccount)).kind).toBe("error_page");
    const bigState = authorizationUrlFor(netsuite, (q) => q.set("state", "s".repeat(1025)));
    expect((await netsuite.authorize(bigState)).kind).toBe("error_page");

    const apollo = fakeFor(entryById("apollo"));
    expect(apollo.authorizeUrl).toBe("https://app.apollo.io/#/oauth/authorize");
    expect((await apollo.authorize(authorizationUrlFor(apollo))).kind).toBe("callback");
    const query = authorizationUrlFor(apollo).split("?")[1];
    expect((await apollo.authorize(`https://app.apollo.io/?${query}#/oauth/authorize`)).kind).toBe("error_page");

    const microsoft = fakeFor(entryById("microsoft"));
    const posted = await microsoft.authorize(authorizationUrlFor(microsoft));
    expect(posted.kind === "callback" && posted.request.method).toBe("POST");
    const queried = await microsoft.authorize(authorizationUrlFor(microsoft, (q) => q.delete("response_mode")));
    expect(queried.kind).toBe("error_page");
  });

  it("the router tells entries sharing a token URL apart by client, and refuses unknown URLs", async () => {
    const atlassian = fakeFor(entryById("atlassian"));
    const jira = fakeFor(entryById("jira"));
    expect(atlassian.tokenUrl).toBe(jira.tokenUrl);
    const router = catalogueRouter([atlassian, jira]);
    const how = { auth: "post", body: "form" } as const;
    expect((await router.handler(tokenRequest(jira, await codeFields(jira), how))).status).toBe(200);
    expect(jira.tokenRequests.length).toBe(1);
    expect(atlassian.tokenRequests.length).toBe(0);
    const elsewhere = await router.handler(new Request("https://evil.example/token", { method: "POST" }));
    expect(elsewhere.status).toBe(404);
    expect(router.requests.length).toBe(2);
  });
});
