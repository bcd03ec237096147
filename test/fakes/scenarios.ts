/**
 * Provider scenarios: whole flows driven over HTTP against a running relay whose outbound fetch is
 * routed to the provider fakes. Runtime-neutral: the caller supplies a starter that runs the relay
 * (in-process Node, a Node process, workerd…) with a given env and outbound handler.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decryptFor, type InstanceKey, newInstanceKey, newInstanceState, readDelivery } from "../harness/instance.js";
import { DROPBOX_API, DropboxFake, dropboxFailures } from "./dropbox.js";
import {
  type BrowserOutcome,
  type CallbackRequest,
  callbackFetchArgs,
  type Handler,
  type Listening,
  routeOverLoopback,
  routeTo,
} from "./http.js";
import { MICROSOFT_LOGIN, MicrosoftFake } from "./microsoft.js";

export type Outbound = Handler;

export interface StartedRelay {
  /** Where the relay listens, e.g. http://127.0.0.1:54321 (no trailing slash). */
  readonly url: string;
  /** Grant records written so far, parsed ({server, grant}). */
  records(): ReadonlyArray<Record<string, unknown>>;
  /** Everything the relay wrote (stdout/stderr/log sink), for privacy checks. */
  output(): string;
  /** Waits until everything written so far is visible to records()/output() (workerd: via stdout). */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

export type RelayStarter = (env: Record<string, string>, outbound: Outbound) => Promise<StartedRelay>;

export interface ScenarioOptions {
  /** `handler`: fakes called in-process; `loopback`: fakes listen on 127.0.0.1 and are fetched over HTTP. */
  readonly transport?: "handler" | "loopback";
}

/** RELAY_URL as configured; the relay may actually listen elsewhere (random port). */
export const CONFIGURED_RELAY_URL = "https://relay.example.test";
const DROPBOX_CLIENT = { clientId: "dbx-client-id", clientSecret: "DBX_SECRET_SENTINEL_+/%:~" };
const MS_CLIENT = { clientId: "00000000-aaaa-bbbb-cccc-000000000001", clientSecret: "MS_SECRET_SENTINEL~abc.def" };
const MS_TENANT = "contoso.onmicrosoft.com";
const RETURN_TO = "http://127.0.0.1:8011/oauth2/relay?instance=1";

export function scenarioEnv(stateKeys: string): Record<string, string> {
  return {
    RELAY_URL: CONFIGURED_RELAY_URL,
    STATE_KEYS: stateKeys,
    APPS: JSON.stringify([
      { id: "dropbox", server: "dropbox", client_id: DROPBOX_CLIENT.clientId },
      { id: "ms", server: "microsoft", client_id: MS_CLIENT.clientId, tenant: "organizations" },
    ]),
    CLIENT_SECRET_DROPBOX: DROPBOX_CLIENT.clientSecret,
    CLIENT_SECRET_MS: MS_CLIENT.clientSecret,
    UPSTREAM_TIMEOUT_MS: "2000",
  };
}

function stateKeyPair(kid: string): string {
  return `${kid}:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
}

/** The callback of `target` with the authorization code of `source` (in the query or the form_post body). */
function withCodeOf(target: BrowserOutcome, source: BrowserOutcome): BrowserOutcome {
  if (target.kind !== "callback" || source.kind !== "callback") return target;
  const codeOf = (request: CallbackRequest) =>
    request.form?.get("code") ?? new URL(request.url).searchParams.get("code");
  const code = codeOf(source.request) ?? "";
  const { request } = target;
  if (request.form) {
    const form = new URLSearchParams(request.form);
    form.set("code", code);
    return { kind: "callback", request: { ...request, form } };
  }
  const url = new URL(request.url);
  url.searchParams.set("code", code);
  return { kind: "callback", request: { ...request, url: url.href } };
}

export function providerScenarios(startRelay: RelayStarter, options: ScenarioOptions = {}): void {
  const transport = options.transport ?? "handler";
  const dropbox = new DropboxFake({
    ...DROPBOX_CLIENT,
    redirectUris: [`${CONFIGURED_RELAY_URL}/v1/callback/dropbox`],
  });
  const microsoft = new MicrosoftFake({
    ...MS_CLIENT,
    redirectUris: [`${CONFIGURED_RELAY_URL}/v1/callback/ms`],
    tenants: [MS_TENANT],
  });
  let relay: StartedRelay;
  let key: InstanceKey;
  const listening: Listening[] = [];

  beforeAll(async () => {
    let outbound: Outbound;
    if (transport === "loopback") {
      const [dbx, ms] = await Promise.all([dropbox.listen(), microsoft.listen()]);
      listening.push(dbx, ms);
      outbound = routeOverLoopback({ [DROPBOX_API]: dbx.url, [MICROSOFT_LOGIN]: ms.url });
    } else {
      outbound = routeTo({ [DROPBOX_API]: dropbox.handle, [MICROSOFT_LOGIN]: microsoft.handle });
    }
    relay = await startRelay(scenarioEnv(stateKeyPair("k1")), outbound);
    key = await newInstanceKey("X25519");
  });
  afterAll(async () => {
    await relay?.close();
    await Promise.all(listening.map((server) => server.close()));
  });
  beforeEach(() => {
    dropbox.injected.length = 0;
    microsoft.injected.length = 0;
  });

  async function startFlow(body: Record<string, unknown>): Promise<{ authorizationUrl: string; state: string }> {
    const state = newInstanceState();
    const response = await fetch(`${relay.url}/v1/flows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ return_to: RETURN_TO, state, key: key.publicJwk, ...body }),
    });
    const json = (await response.json()) as { authorization_url?: string; error_description?: string };
    expect(response.status, json.error_description).toBe(201);
    return { authorizationUrl: json.authorization_url ?? "", state };
  }

  async function callback(outcome: BrowserOutcome): Promise<Response> {
    if (outcome.kind !== "callback") throw new Error(`provider refused: ${outcome.message}`);
    return fetch(...callbackFetchArgs(outcome.request, CONFIGURED_RELAY_URL, relay.url));
  }

  async function recordCount(): Promise<number> {
    await relay.settle?.();
    return relay.records().length;
  }

  async function newRecords(before: number) {
    await relay.settle?.();
    return relay.records().slice(before);
  }

  async function expectResult(response: Response, state: string, app: string, server: string, tenant: string | null) {
    const delivered = await readDelivery(response);
    expect(delivered.fields.error, delivered.fields.error_description).toBeUndefined();
    expect(delivered.fields.state).toBe(state);
    const { payload, protectedHeader } = await decryptFor(delivered.fields.result ?? "", key, CONFIGURED_RELAY_URL);
    expect(protectedHeader).toMatchObject({ alg: "ECDH-ES", enc: "A256GCM", kid: key.thumbprint });
    expect(protectedHeader.zip).toBeUndefined();
    expect((protectedHeader.epk as { crv?: string } | undefined)?.crv).toBe("X25519");
    // Exactly result + state are delivered (besides return_to's own query parameters in query mode).
    const own = delivered.mode === "query" ? new URL(RETURN_TO).searchParams : new URLSearchParams();
    expect(
      Object.keys(delivered.fields)
        .filter((name) => !own.has(name))
        .sort(),
    ).toEqual(["result", "state"]);
    expect(payload).toMatchObject({ iss: CONFIGURED_RELAY_URL, aud: key.thumbprint, state, app, server, tenant });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
    return { delivered, token: payload.token as Record<string, unknown> };
  }

  describe(`Dropbox fake (${transport})`, () => {
    it("authorization URL carries what Dropbox requires", async () => {
      const { authorizationUrl } = await startFlow({ app: "dropbox", scope: "account_info.read files.content.read" });
      const url = new URL(authorizationUrl);
      expect(url.origin + url.pathname).toBe("https://www.dropbox.com/oauth2/authorize");
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        response_type: "code",
        client_id: DROPBOX_CLIENT.clientId,
        redirect_uri: `${CONFIGURED_RELAY_URL}/v1/callback/dropbox`,
        token_access_type: "offline",
        code_challenge_method: "S256",
        scope: "account_info.read files.content.read",
      });
    });

    it("form_post: start → authorize → callback → result decrypted; one record", async () => {
      const before = await recordCount();
      const calls = dropbox.tokenRequests.length;
      const { authorizationUrl, state } = await startFlow({ app: "dropbox", scope: "account_info.read" });
      const response = await callback(await dropbox.authorize(authorizationUrl));
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const { delivered, token } = await expectResult(response, state, "dropbox", "dropbox", null);
      expect(delivered.mode).toBe("form_post");
      expect(delivered.target).toBe(RETURN_TO);
      expect(token).toMatchObject({ token_type: "bearer", uid: dropbox.uid, account_id: dropbox.accountId });
      expect(token.refresh_token).toEqual(expect.any(String));
      expect(await newRecords(before)).toEqual([{ server: "dropbox", grant: "authorization_code" }]);
      // One token request: secret in the body, none in the URL.
      expect(dropbox.tokenRequests.length - calls).toBe(1);
      const sent = dropbox.tokenRequests.at(-1);
      expect(new URL(sent?.url ?? "").search).toBe("");
      expect(new URLSearchParams(sent?.body).get("client_secret")).toBe(DROPBOX_CLIENT.clientSecret);
    });

    it("query mode: 303 to return_to?result=…&state=…#_", async () => {
      const { authorizationUrl, state } = await startFlow({ app: "dropbox", response_mode: "query" });
      const response = await callback(await dropbox.authorize(authorizationUrl));
      expect(response.status).toBe(303);
      const location = response.headers.get("location") ?? "";
      expect(location.startsWith(`${RETURN_TO}&result=`)).toBe(true);
      expect(location.endsWith("#_")).toBe(true);
      await expectResult(response, state, "dropbox", "dropbox", null);
    });

    it("fragment mode: 303 to return_to#result=…&state=…", async () => {
      const { authorizationUrl, state } = await startFlow({ app: "dropbox", response_mode: "fragment" });
      const response = await callback(await dropbox.authorize(authorizationUrl));
      expect(response.status).toBe(303);
      expect(response.headers.get("location")?.startsWith(`${RETURN_TO}#result=`)).toBe(true);
      const { delivered } = await expectResult(response, state, "dropbox", "dropbox", null);
      expect(delivered.mode).toBe("fragment");
    });

    it("user denies: access_denied delivered with state, no exchange, no record", async () => {
      const before = await recordCount();
      const calls = dropbox.tokenRequests.length;
      const { authorizationUrl, state } = await startFlow({ app: "dropbox" });
      const delivered = await readDelivery(await callback(await dropbox.authorize(authorizationUrl, { deny: true })));
      expect(delivered.fields).toMatchObject({ error: "access_denied", state });
      expect(delivered.fields.result).toBeUndefined();
      expect(dropbox.tokenRequests.length).toBe(calls);
      expect(await newRecords(before)).toEqual([]);
    });

    it("text/plain 400 from the token endpoint: server_error delivered, no record", async () => {
      const before = await recordCount();
      const { authorizationUrl, state } = await startFlow({ app: "dropbox" });
      const outcome = await dropbox.authorize(authorizationUrl);
      dropbox.injected.push(dropboxFailures.textPlain400);
      const delivered = await readDelivery(await callback(outcome));
      expect(delivered.fields).toMatchObject({ error: "server_error", state });
      expect(delivered.fields.error_description).not.toContain("Error in call to API");
      expect(await newRecords(before)).toEqual([]);
    });

    it("non-RFC 5xx JSON error becomes a standard code", async () => {
      const { authorizationUrl, state } = await startFlow({ app: "dropbox" });
      const outcome = await dropbox.authorize(authorizationUrl);
      dropbox.injected.push(dropboxFailures.nonStandard500);
      const delivered = await readDelivery(await callback(outcome));
      expect(delivered.fields.state).toBe(state);
      expect(["server_error", "temporarily_unavailable"]).toContain(delivered.fields.error);
    });

    it("replayed callback: the relay refuses the used state, Dropbox never sees the code twice, one record", async () => {
      const before = await recordCount();
      const { authorizationUrl, state } = await startFlow({ app: "dropbox" });
      const outcome = await dropbox.authorize(authorizationUrl);
      await expectResult(await callback(outcome), state, "dropbox", "dropbox", null);
      const requests = dropbox.tokenRequests.length;
      const second = await callback(outcome);
      expect(second.status).toBe(400);
      expect(second.headers.get("location")).toBeNull();
      await second.body?.cancel();
      expect(dropbox.tokenRequests.length).toBe(requests);
      expect(await newRecords(before)).toEqual([{ server: "dropbox", grant: "authorization_code" }]);
    });

    it("code injection: a code bound to another flow's challenge fails PKCE", async () => {
      const victim = await startFlow({ app: "dropbox" });
      const attacker = await startFlow({ app: "dropbox" });
      const stolen = await dropbox.authorize(victim.authorizationUrl);
      const attackerCallback = await dropbox.authorize(attacker.authorizationUrl);
      if (stolen.kind !== "callback" || attackerCallback.kind !== "callback") throw new Error("authorize failed");
      const injected = new URL(attackerCallback.request.url);
      injected.searchParams.set("code", new URL(stolen.request.url).searchParams.get("code") ?? "");
      const delivered = await readDelivery(
        await callback({ kind: "callback", request: { method: "GET", url: injected.href } }),
      );
      expect(delivered.fields).toMatchObject({ error: "invalid_grant", state: attacker.state });
    });

    it("refresh through /v1/token/dropbox: no rotation, one refresh record", async () => {
      const { authorizationUrl, state } = await startFlow({ app: "dropbox" });
      const { token } = await expectResult(
        await callback(await dropbox.authorize(authorizationUrl)),
        state,
        "dropbox",
        "dropbox",
        null,
      );
      const before = await recordCount();
      const response = await fetch(`${relay.url}/v1/token/dropbox`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: String(token.refresh_token) }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ token_type: "bearer", expires_in: 14400 });
      expect(body.refresh_token).toBeUndefined();
      expect(await newRecords(before)).toEqual([{ server: "dropbox", grant: "refresh_token" }]);
      const sent = new URLSearchParams(dropbox.tokenRequests.at(-1)?.body);
      expect(sent.get("client_secret")).toBe(DROPBOX_CLIENT.clientSecret);
    });

    it("refresh with a revoked token: provider's 400 JSON passed through, no record", async () => {
      const before = await recordCount();
      const response = await fetch(`${relay.url}/v1/token/dropbox`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=revoked",
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: "invalid_grant",
        error_description: "refresh token is invalid or revoked",
      });
      expect(await newRecords(before)).toEqual([]);
    });
  });

  describe(`Microsoft fake (${transport})`, () => {
    it("authorization URL: tenant in path, form_post, offline_access, S256", async () => {
      const { authorizationUrl } = await startFlow({ app: "ms", tenant: MS_TENANT, scope: "User.Read" });
      const url = new URL(authorizationUrl);
      expect(url.origin + url.pathname).toBe(`${MICROSOFT_LOGIN}/${MS_TENANT}/oauth2/v2.0/authorize`);
      expect(url.searchParams.get("response_mode")).toBe("form_post");
      expect(url.searchParams.get("scope")?.split(" ")).toEqual(["User.Read", "offline_access"]);
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    });

    it("form_post both ways: POSTed callback → result with tenant; one record", async () => {
      const before = await recordCount();
      const calls = microsoft.tokenRequests.length;
      const { authorizationUrl, state } = await startFlow({ app: "ms", tenant: MS_TENANT });
      const outcome = await microsoft.authorize(authorizationUrl);
      expect(outcome.kind === "callback" && outcome.request.method).toBe("POST");
      const { token } = await expectResult(await callback(outcome), state, "ms", "microsoft", MS_TENANT);
      expect(token).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
      expect(await newRecords(before)).toEqual([{ server: "microsoft", grant: "authorization_code" }]);
      expect(microsoft.tokenRequests.length - calls).toBe(1);
      expect(new URL(microsoft.tokenRequests.at(-1)?.url ?? "").pathname).toBe(`/${MS_TENANT}/oauth2/v2.0/token`);
    });

    it("app default tenant is used when the flow names none", async () => {
      const { authorizationUrl, state } = await startFlow({ app: "ms" });
      expect(new URL(authorizationUrl).pathname).toBe("/organizations/oauth2/v2.0/authorize");
      await expectResult(
        await callback(await microsoft.authorize(authorizationUrl)),
        state,
        "ms",
        "microsoft",
        "organizations",
      );
    });

    it("AADSTS54005 (code already redeemed) → invalid_grant delivered with state, no trace text", async () => {
      const before = await recordCount();
      const first = await startFlow({ app: "ms", tenant: MS_TENANT, response_mode: "query" });
      const redeemed = await microsoft.authorize(first.authorizationUrl);
      await expectResult(await callback(redeemed), first.state, "ms", "microsoft", MS_TENANT);
      // A second flow's callback carrying the first, already redeemed code (each state is good for
      // one callback, so the relay sends this code again only under a new state).
      const { authorizationUrl, state } = await startFlow({ app: "ms", tenant: MS_TENANT, response_mode: "query" });
      const outcome = await microsoft.authorize(authorizationUrl);
      if (outcome.kind !== "callback" || redeemed.kind !== "callback") throw new Error("authorize failed");
      const reused = withCodeOf(outcome, redeemed);
      const delivered = await readDelivery(await callback(reused));
      expect(delivered.fields).toMatchObject({ error: "invalid_grant", state });
      expect(delivered.fields.error_description).not.toMatch(/Trace ID|\r|\n/);
      expect(await newRecords(before)).toEqual([{ server: "microsoft", grant: "authorization_code" }]);
    });

    it("user declines consent (AADSTS65004): access_denied delivered, CR/LF stripped, no exchange", async () => {
      const calls = microsoft.tokenRequests.length;
      const { authorizationUrl, state } = await startFlow({ app: "ms", tenant: MS_TENANT });
      const delivered = await readDelivery(await callback(await microsoft.authorize(authorizationUrl, { deny: true })));
      expect(delivered.fields).toMatchObject({ error: "access_denied", state });
      expect(delivered.fields.error_description).toMatch(/^AADSTS65004: /);
      expect(delivered.fields.error_description).not.toMatch(/[\r\n]/);
      expect(microsoft.tokenRequests.length).toBe(calls);
    });

    it("refresh with tenant: rolling refresh token, one record; wrong tenant → provider 400", async () => {
      const { authorizationUrl, state } = await startFlow({ app: "ms", tenant: MS_TENANT });
      const { token } = await expectResult(
        await callback(await microsoft.authorize(authorizationUrl)),
        state,
        "ms",
        "microsoft",
        MS_TENANT,
      );
      const before = await recordCount();
      const refresh = (tenant: string) =>
        fetch(`${relay.url}/v1/token/ms`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "refresh_token",
            refresh_token: String(token.refresh_token),
            tenant,
          }),
        });
      const response = await refresh(MS_TENANT);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.token_type).toBe("Bearer");
      expect(body.refresh_token).toEqual(expect.any(String));
      expect(body.refresh_token).not.toBe(token.refresh_token);
      expect(new URL(microsoft.tokenRequests.at(-1)?.url ?? "").pathname).toBe(`/${MS_TENANT}/oauth2/v2.0/token`);
      expect(await newRecords(before)).toEqual([{ server: "microsoft", grant: "refresh_token" }]);

      const wrong = await refresh("common");
      expect(wrong.status).toBe(400);
      const error = (await wrong.json()) as Record<string, unknown>;
      expect(error.error).toBe("invalid_grant");
      expect(String(error.error_description)).toMatch(/^AADSTS\d+: /);
      expect(await newRecords(before)).toHaveLength(1);
    });
  });

  describe(`privacy of what the relay wrote (${transport})`, () => {
    it("output holds only {server, grant} records: no secrets, codes, tokens or states", async () => {
      await relay.settle?.();
      const output = relay.output();
      for (const secret of [
        DROPBOX_CLIENT.clientSecret,
        MS_CLIENT.clientSecret,
        "dbxcode_",
        "dbxrt_",
        "sl.u.",
        "M.C5_BAY",
        "127.0.0.1:8011",
        MS_TENANT,
      ]) {
        expect(output).not.toContain(secret);
      }
      for (const record of relay.records()) {
        expect(Object.keys(record).sort()).toEqual(["grant", "server"]);
      }
    });
  });
}
