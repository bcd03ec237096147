/**
 * "The relay stores nothing and logs nothing" (docs/PRIVACY.md; docs/SECURITY.md S59-S62), checked with
 * sentinels: every secret, code, token, state, return URL, IP and user agent that passes through
 * the relay is a unique marker, and none of them may show up in anything the relay prints — on
 * Node (in process, and as the real `node dist/node.js` child process, as `npm start` runs it) and
 * on workerd. The only thing kept is one `{server, grant}` record per successful grant.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  answerConfirmation,
  openResult,
  readConfirmation,
  readDelivery,
  refresh,
  type StartedFlow,
  startFlow,
} from "../harness/instance.js";
import { authorize, newClient, startOidcProvider } from "../harness/oidc.js";
import { freePort, grantRecords, newStateKeys, type RelayUnderTest, RUNTIMES, startRelay } from "../harness/relay.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = randomBytes(6).toString("hex");
const S = {
  secret: `SECRET_SENTINEL_${run}`,
  code: `CODE_SENTINEL_${run}`,
  code500: `CODE500_SENTINEL_${run}`,
  codeSlow: `CODESLOW_SENTINEL_${run}`,
  codeRefused: `CODEREFUSED_SENTINEL_${run}`,
  access: `ACCESS_SENTINEL_${run}`,
  refresh: `REFRESH_SENTINEL_${run}`,
  idToken: `IDTOKEN_SENTINEL_${run}`,
  access2: `ACCESS2_SENTINEL_${run}`,
  refresh2: `REFRESH2_SENTINEL_${run}`,
  badRefresh: `BADREFRESH_SENTINEL_${run}`,
  state: `STATE_SENTINEL_${run}_abcdefghijklmnop`,
  returnHost: `returnhost-sentinel-${run}.example.com`,
  returnPath: `RETURNPATH_SENTINEL_${run}`,
  unlistedHost: `unlisted-sentinel-${run}.example.net`,
  codeConfirmed: `CODECONFIRMED_SENTINEL_${run}`,
  description: `DESC_SENTINEL_${run}`,
  upstreamBody: `UPSTREAM_SENTINEL_${run}`,
  userAgent: `UA_SENTINEL_${run}`,
  // A template variable identifies a customer as surely as a return URL: a Microsoft tenant domain.
  tenant: `tenant-sentinel-${run}.example.com`,
  msAccess: `MSACCESS_SENTINEL_${run}`,
  msRefresh: `MSREFRESH_SENTINEL_${run}`,
  forwardedFor: "203.0.113.77",
  connectingIp: "203.0.113.78",
};
const BROWSER_HEADERS = {
  "user-agent": S.userAgent,
  "x-forwarded-for": S.forwardedFor,
  "cf-connecting-ip": S.connectingIp,
};
const RETURN_TO = `https://${S.returnHost}/${S.returnPath}/relay`;
const TOKEN_ENDPOINT = "https://as.acme.example/oauth2/token";
const CLIENT_ID = "acme-client";
const APP = {
  id: "acme",
  client_id: CLIENT_ID,
  server: {
    id: "acme",
    authorization_endpoint: "https://as.acme.example/oauth2/authorize",
    token_endpoint: TOKEN_ENDPOINT,
    token_endpoint_auth_method: "client_secret_basic",
    pkce: "S256",
  },
  scopes: { default: ["read"], allow: ["read", "write"] },
};

interface SeenUpstream {
  url: string;
  headers: Record<string, string>;
  form: URLSearchParams;
}

/** A provider token endpoint that issues sentinel tokens; it sits behind the relay's outbound fetch. */
function fakeTokenEndpoint(seen: SeenUpstream[]) {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  return async (request: Request): Promise<Response> => {
    const form = new URLSearchParams(await request.text());
    seen.push({ url: request.url, headers: Object.fromEntries(request.headers), form });
    if (request.url === `https://login.microsoftonline.com/${S.tenant}/oauth2/v2.0/token`) {
      // Microsoft: client secret in the body; the tenant chose this URL.
      if (form.get("client_secret") !== S.secret) return json(401, { error: "invalid_client" });
      if (form.get("grant_type") === "refresh_token" && form.get("refresh_token") === S.msRefresh) {
        return json(200, { access_token: S.msAccess, token_type: "Bearer", expires_in: 3599 });
      }
      if (form.get("code") !== S.code) return json(400, { error: "invalid_grant" });
      return json(200, {
        access_token: S.msAccess,
        token_type: "Bearer",
        expires_in: 3599,
        refresh_token: S.msRefresh,
      });
    }
    if (request.url !== TOKEN_ENDPOINT || request.method !== "POST") return new Response("no", { status: 404 });
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${S.secret}`).toString("base64")}`;
    if (request.headers.get("authorization") !== basic) return json(401, { error: "invalid_client" });
    const grant = form.get("grant_type");
    if (grant === "authorization_code") {
      const code = form.get("code");
      if (code === S.code || code === S.codeConfirmed) {
        return json(200, {
          access_token: S.access,
          token_type: "bearer",
          expires_in: 3600,
          refresh_token: S.refresh,
          id_token: S.idToken,
        });
      }
      if (code === S.code500) return new Response(`internal error ${S.upstreamBody}`, { status: 500 });
      if (code === S.codeSlow) {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        return json(200, { access_token: S.access, token_type: "bearer" });
      }
      return json(400, { error: "invalid_grant", error_description: `${S.upstreamBody} code ${code}` });
    }
    if (grant === "refresh_token" && form.get("refresh_token") === S.refresh) {
      return json(200, { access_token: S.access2, token_type: "bearer", refresh_token: S.refresh2 });
    }
    return json(400, { error: "invalid_grant", error_description: `${S.upstreamBody} refresh refused` });
  };
}

function relayStateOf(flow: StartedFlow): string {
  const state = new URL(flow.authorizationUrl).searchParams.get("state");
  if (!state) throw new Error("authorization URL without state");
  return state;
}

function callbackUrl(relayUrl: string, params: Record<string, string>): string {
  return `${relayUrl}/v1/callback/acme?${new URLSearchParams(params)}`;
}

/** Values that must never be printed: the fixed sentinels plus what the flows generated. */
function assertNothingPrinted(output: string, extra: string[]): void {
  for (const value of [...Object.values(S), ...extra]) {
    expect(value.length).toBeGreaterThan(8);
    expect(output, `output contains ${value.slice(0, 24)}…`).not.toContain(value);
  }
  // Nothing that looks like a request line or an address either.
  expect(output).not.toMatch(/\/v1\/(callback|flows|token|confirm)|203\.0\.113\./);
}

describe.each(RUNTIMES)("privacy sentinels on %s", (runtime) => {
  let relay: RelayUnderTest;
  const seen: SeenUpstream[] = [];
  /** Generated values (relay states, PKCE verifiers, results, instance keys) to look for as well. */
  const generated: string[] = [];

  beforeAll(async () => {
    relay = await startRelay(
      runtime,
      {
        RELAY_URL: "https://relay.example.org",
        STATE_KEYS: newStateKeys(),
        APPS: JSON.stringify([APP, { id: "ms", server: "microsoft", client_id: "ms-client" }]),
        CLIENT_SECRET_ACME: S.secret,
        CLIENT_SECRET_MS: S.secret,
        RETURN_ORIGINS: `https://${S.returnHost}`,
        UPSTREAM_TIMEOUT_MS: "1500",
      },
      { outbound: fakeTokenEndpoint(seen) },
    );
  });

  afterAll(async () => {
    await relay?.close();
  });

  async function begin(responseMode: "form_post" | "query" | "fragment", returnTo = RETURN_TO): Promise<StartedFlow> {
    const flow = await startFlow(
      relay.url,
      { app: "acme", return_to: returnTo, state: S.state, response_mode: responseMode },
      { headers: BROWSER_HEADERS },
    );
    expect(flow.authorizationUrl.startsWith("https://as.acme.example/oauth2/authorize?")).toBe(true);
    generated.push(relayStateOf(flow), flow.key.publicJwk.x as string);
    return flow;
  }

  async function callback(params: Record<string, string>): Promise<Response> {
    return fetch(callbackUrl(relay.url, params), { headers: BROWSER_HEADERS, redirect: "manual" });
  }

  it("a full flow delivers the sentinel tokens and records one authorization_code grant", async () => {
    const flow = await begin("form_post");
    const delivered = await readDelivery(await callback({ code: S.code, state: relayStateOf(flow) }));
    expect(delivered.target).toBe(RETURN_TO);
    generated.push(delivered.fields.result ?? "");
    const { claims } = await openResult(flow, delivered);
    expect(claims.token).toEqual({
      access_token: S.access,
      token_type: "bearer",
      expires_in: 3600,
      refresh_token: S.refresh,
      id_token: S.idToken,
    });
    const exchange = seen.at(-1);
    expect(exchange?.form.get("code")).toBe(S.code);
    generated.push(exchange?.form.get("code_verifier") ?? "");
    await relay.settle();
    expect(grantRecords(relay)).toEqual([{ server: "acme", grant: "authorization_code" }]);
  });

  it("refresh works through the relay and records one refresh_token grant; a refused refresh records none", async () => {
    const ok = await refresh(relay.url, "acme", S.refresh, {}, BROWSER_HEADERS);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ access_token: S.access2, token_type: "bearer", refresh_token: S.refresh2 });
    const refused = await refresh(relay.url, "acme", S.badRefresh, {}, BROWSER_HEADERS);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_grant");
    await relay.settle();
    expect(grantRecords(relay)).toEqual([
      { server: "acme", grant: "authorization_code" },
      { server: "acme", grant: "refresh_token" },
    ]);
  });

  it("an unlisted return origin: the confirmation, then Send and Cancel, carry nothing into any output", async () => {
    const unlisted = `https://${S.unlistedHost}/${S.returnPath}/relay`;
    const sameOrigin = { ...BROWSER_HEADERS, origin: "https://relay.example.org", "sec-fetch-site": "same-origin" };
    let flow = await begin("query", unlisted);
    const confirmation = await readConfirmation(await callback({ code: S.codeConfirmed, state: relayStateOf(flow) }));
    expect(confirmation.text).toContain(`https://${S.unlistedHost}`);
    generated.push(confirmation.pending);
    const sent = await readDelivery(await answerConfirmation(relay.url, confirmation, "send", sameOrigin));
    expect(sent.target).toBe(unlisted);
    generated.push(sent.fields.result ?? "");
    expect((await openResult(flow, sent)).claims.token.access_token).toBe(S.access);

    flow = await begin("form_post", unlisted);
    const second = await readConfirmation(
      await callback({ error: "access_denied", error_description: S.description, state: relayStateOf(flow) }),
    );
    generated.push(second.pending);
    const cancelled = await answerConfirmation(relay.url, second, "cancel", sameOrigin);
    expect(cancelled.status).toBe(200);
    const page = await cancelled.text();
    expect(page).toContain("Nothing was sent");
    expect(page).not.toContain(S.description);
    await relay.settle();
    expect(grantRecords(relay)).toEqual([
      { server: "acme", grant: "authorization_code" },
      { server: "acme", grant: "refresh_token" },
      { server: "acme", grant: "authorization_code" },
    ]);
  });

  it("error paths deliver errors without echoing upstream text, and record nothing", async () => {
    // Provider error on the callback.
    let flow = await begin("query");
    let delivered = await readDelivery(
      await callback({ error: "access_denied", error_description: S.description, state: relayStateOf(flow) }),
    );
    expect(delivered.fields.error).toBe("access_denied");
    expect(delivered.fields.state).toBe(S.state);

    // Upstream 500 with a sentinel body.
    flow = await begin("fragment");
    delivered = await readDelivery(await callback({ code: S.code500, state: relayStateOf(flow) }));
    expect(delivered.fields.error).toBe("temporarily_unavailable");
    expect(JSON.stringify(delivered)).not.toContain(S.upstreamBody);

    // Upstream refuses the code with a sentinel description.
    flow = await begin("query");
    delivered = await readDelivery(await callback({ code: S.codeRefused, state: relayStateOf(flow) }));
    expect(delivered.fields.error).toBe("invalid_grant");
    expect(JSON.stringify(delivered)).not.toContain(S.upstreamBody);

    // Upstream timeout (UPSTREAM_TIMEOUT_MS=1500, the fake answers after 5 s). Generous, as 2-core CI is slow.
    flow = await begin("form_post");
    delivered = await readDelivery(await callback({ code: S.codeSlow, state: relayStateOf(flow) }));
    expect(delivered.fields.error).toBe("temporarily_unavailable");

    // Invalid (tampered) relay state: the uniform 400 page, nothing echoed, no exchange.
    const exchangesBefore = seen.length;
    const state = relayStateOf(flow);
    const middle = Math.floor(state.length / 2);
    const tampered = `${state.slice(0, middle)}${state[middle] === "A" ? "B" : "A"}${state.slice(middle + 1)}`;
    for (const bad of [tampered, S.state]) {
      const response = await callback({ code: S.code, state: bad });
      expect(response.status).toBe(400);
      const page = await response.text();
      expect(page).not.toContain(S.code);
      expect(page).not.toContain(bad);
    }
    expect(seen.length).toBe(exchangesBefore);

    await relay.settle();
    expect(grantRecords(relay)).toHaveLength(3);
  });

  it("a tenant (a template variable) in a flow and a refresh reaches the token URL and no output", async () => {
    const flow = await startFlow(
      relay.url,
      { app: "ms", return_to: RETURN_TO, state: S.state, vars: { tenant: S.tenant }, scope: "User.Read" },
      { headers: BROWSER_HEADERS },
    );
    generated.push(relayStateOf(flow));
    const form = new URLSearchParams({ code: S.code, state: relayStateOf(flow) });
    const delivered = await readDelivery(
      await fetch(`${relay.url}/v1/callback/ms`, {
        method: "POST",
        headers: { ...BROWSER_HEADERS, "content-type": "application/x-www-form-urlencoded" },
        body: form,
        redirect: "manual",
      }),
    );
    generated.push(delivered.fields.result ?? "");
    const { claims } = await openResult(flow, delivered);
    expect(claims).toMatchObject({ server: "microsoft", tenant: S.tenant, token: { access_token: S.msAccess } });
    const refreshed = await refresh(relay.url, "ms", S.msRefresh, { tenant: S.tenant }, BROWSER_HEADERS);
    expect(refreshed.status).toBe(200);
    await relay.settle();
    expect(grantRecords(relay).slice(-2)).toEqual([
      { server: "microsoft", grant: "authorization_code" },
      { server: "microsoft", grant: "refresh_token" },
    ]);
  });

  it("printed nothing of any of it; records are exactly {server, grant}; upstream saw no browser data", async () => {
    await relay.settle();
    assertNothingPrinted(relay.output(), generated);
    const expected = [
      { server: "acme", grant: "authorization_code" },
      { server: "acme", grant: "refresh_token" },
      { server: "acme", grant: "authorization_code" },
      { server: "microsoft", grant: "authorization_code" },
      { server: "microsoft", grant: "refresh_token" },
    ];
    expect(grantRecords(relay)).toEqual(expected);
    if (runtime === "node") expect(relay.records()).toEqual(expected.map((record) => JSON.stringify(record)));
    else
      expect(relay.records().map((line) => JSON.parse(line))).toEqual(
        expected.map(({ server, grant }) => ({ indexes: [server], blobs: [server, grant], doubles: [1] })),
      );

    // docs/SECURITY.md S33: minimal outbound requests, nothing from the browser forwarded.
    expect(seen.length).toBeGreaterThanOrEqual(6);
    for (const request of seen) {
      expect([TOKEN_ENDPOINT, `https://login.microsoftonline.com/${S.tenant}/oauth2/v2.0/token`]).toContain(
        request.url,
      );
      // Added by the HTTP stack, not the relay (workerd adds `cf-worker`, as Cloudflare does).
      const names = Object.keys(request.headers).filter(
        (name) => !/^(content-length|host|accept-encoding|connection|cf-worker)$/.test(name),
      );
      expect(names.every((name) => ["content-type", "accept", "authorization", "user-agent"].includes(name))).toBe(
        true,
      );
      expect(request.headers["user-agent"]).toBe("qorus-oauth-relay");
      const text = JSON.stringify(request.headers);
      for (const value of [S.userAgent, S.forwardedFor, S.connectingIp]) expect(text).not.toContain(value);
    }
  });

  it("the capture is live: what this runtime prints does reach output()", async () => {
    // Guards against a vacuous pass above. On workerd, settle() itself proves it: it waits for a
    // probe line on workerd's stdout and on its stderr, through the same pipes the relay uses.
    if (runtime === "node") {
      process.stdout.write(`CANARY_OUT_${run}\n`);
      console.error(`CANARY_ERR_${run}`);
      expect(relay.output()).toContain(`CANARY_OUT_${run}`);
      expect(relay.output()).toContain(`CANARY_ERR_${run}`);
    } else {
      await expect(relay.settle()).resolves.toBeUndefined();
    }
  });

  it("an invalid configuration fails closed, naming the variable and never the secret", async () => {
    const env = {
      RELAY_URL: "https://relay.example.org",
      STATE_KEYS: `k1:${S.secret}`,
      APPS: JSON.stringify([APP]),
      CLIENT_SECRET_ACME: S.secret,
    };
    if (runtime === "node") {
      const failure = await startRelay("node", env).then(
        () => new Error("started"),
        (error: unknown) => error as Error,
      );
      expect(failure.name).toBe("ConfigError");
      expect(failure.message).toContain("STATE_KEYS");
      expect(failure.message).not.toContain(S.secret);
      return;
    }
    const broken = await startRelay("workerd", env);
    try {
      const response = await fetch(`${broken.url}/v1/apps`, { headers: BROWSER_HEADERS });
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: string; error_description: string };
      expect(body.error).toBe("server_error");
      expect(body.error_description).toContain("STATE_KEYS");
      expect(JSON.stringify(body)).not.toContain(S.secret);
      await broken.settle();
      expect(broken.output()).not.toContain(S.secret);
      expect(broken.records()).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});

/** The real Node entry as operators run it: stdout carries record lines and nothing else. */
describe("privacy of the Node entry process (node dist/node.js, as npm start runs it)", () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("after a full flow against oidc-provider, a refresh and a bad callback: stdout = record lines only, no sentinel anywhere", async () => {
    const port = await freePort();
    const relayUrl = `http://127.0.0.1:${port}`;
    const client = newClient("oidcb", "client_secret_basic", S.secret);
    const provider = await startOidcProvider(relayUrl, [client]);
    let stdout = "";
    let stderr = "";
    try {
      const proc = spawn(process.execPath, ["dist/node.js"], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "",
          PORT: String(port),
          HOST: "127.0.0.1",
          RELAY_URL: relayUrl,
          STATE_KEYS: newStateKeys(),
          APPS: JSON.stringify([provider.app(client)]),
          CLIENT_SECRET_OIDCB: S.secret,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      proc.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
      });
      proc.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
      const deadline = Date.now() + 20_000;
      while (!stderr.includes("listening on")) {
        if (proc.exitCode !== null || Date.now() > deadline)
          throw new Error(`relay did not start: ${stderr.slice(0, 500)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }

      const flow = await startFlow(
        relayUrl,
        {
          app: "oidcb",
          return_to: `http://127.0.0.1:9/${S.returnPath}`,
          state: S.state,
          params: { prompt: "consent" },
        },
        { headers: BROWSER_HEADERS },
      );
      const callback = await authorize(flow.authorizationUrl);
      const code = new URL(callback).searchParams.get("code") ?? "";
      const delivered = await readDelivery(await fetch(callback, { headers: BROWSER_HEADERS, redirect: "manual" }));
      const { claims } = await openResult(flow, delivered);
      const token = claims.token as { access_token: string; refresh_token: string; id_token: string };
      const refreshed = await refresh(relayUrl, "oidcb", token.refresh_token, {}, BROWSER_HEADERS);
      expect(refreshed.status).toBe(200);
      const fresh = (await refreshed.json()) as { access_token: string };
      const bad = await fetch(`${relayUrl}/v1/callback/oidcb?code=${S.code}&state=${S.state}`, {
        headers: BROWSER_HEADERS,
      });
      expect(bad.status).toBe(400);

      proc.kill("SIGTERM");
      expect(await exited).toBe(0);

      const lines = stdout.split("\n").filter((line) => line !== "");
      expect(lines).toEqual([
        JSON.stringify({ server: "oidc", grant: "authorization_code" }),
        JSON.stringify({ server: "oidc", grant: "refresh_token" }),
      ]);
      const issued = [
        code,
        token.access_token,
        token.refresh_token,
        token.id_token,
        fresh.access_token,
        delivered.fields.result ?? "",
        new URL(flow.authorizationUrl).searchParams.get("state") ?? "",
      ];
      assertNothingPrinted(`${stdout}\n${stderr}`, issued);
      // stderr: start-up and shutdown lines only.
      for (const line of stderr.split("\n").filter((text) => text !== "")) {
        expect(line).toMatch(/^qorus-oauth-relay(:| listening on)/);
      }
    } finally {
      await provider.close();
    }
  });
});
