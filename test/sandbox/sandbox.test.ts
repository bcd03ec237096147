import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import { mountSandbox } from "../../src/sandbox/server.js";
import { ExpiringStore } from "../../src/sandbox/store.js";
import { NO_LIMITS } from "../harness/relay.js";
import {
  basic,
  CLIENT_ID,
  type Fixture,
  REDIRECT_URI,
  RELAY,
  SECRET,
  s256,
  sandboxFixture,
  VERIFIER,
} from "./fixture.js";

let f: Fixture;
let consoleSpies: ReturnType<typeof vi.spyOn>[];

beforeEach(async () => {
  f = await sandboxFixture();
  consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((name) =>
    vi.spyOn(console, name).mockImplementation(() => {}),
  );
});

afterEach(() => {
  // The sandbox obeys the relay's privacy rule: it logs nothing, ever.
  for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

async function authorizeUrl(overrides: Record<string, string | null> = {}): Promise<string> {
  const params: Record<string, string | null> = {
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: "profile files.read",
    state: "relay-state-123",
    code_challenge: await s256(VERIFIER),
    code_challenge_method: "S256",
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== null) query.set(name, value);
  return `${RELAY}/sandbox/authorize?${query}`;
}

async function consent(url: string): Promise<string> {
  const page = await f.fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const id = /name="request" value="([^"]+)"/.exec(html)?.[1];
  if (!id) throw new Error("no consent request id");
  return id;
}

async function decide(request: string, decision: string): Promise<Response> {
  return f.fetch(`${RELAY}/sandbox/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request, decision }).toString(),
    redirect: "manual",
  });
}

async function approvedCode(overrides: Record<string, string | null> = {}): Promise<string> {
  const answer = await decide(await consent(await authorizeUrl(overrides)), "approve");
  expect(answer.status).toBe(303);
  const code = new URL(answer.headers.get("location") ?? "").searchParams.get("code");
  if (!code) throw new Error("no code");
  return code;
}

async function token(form: Record<string, string>, authorization: string | null = basic(CLIENT_ID, SECRET)) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (authorization !== null) headers.authorization = authorization;
  const response = await f.fetch(`${RELAY}/sandbox/token`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, string>,
  };
}

function exchange(code: string, extra: Record<string, string> = {}) {
  return token({
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: VERIFIER,
    ...extra,
  });
}

async function tokenInfo(accessToken: string) {
  const response = await f.fetch(`${RELAY}/sandbox/tokeninfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("authorize page", () => {
  it("escapes everything, runs no script, cannot be framed", async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
    const page = await f.fetch(await authorizeUrl({ login_hint: hostile, scope: "profile files.<b>x</b>" }));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("files.&lt;b&gt;x&lt;/b&gt;");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    expect(csp).not.toContain("unsafe-inline");
    const nonce = /<style nonce="([^"]+)">/.exec(html)?.[1];
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(html).toContain('id="approve"');
    expect(html).toContain('id="deny"');
  });

  it("refuses unknown clients and foreign redirect URIs without redirecting", async () => {
    const cases: Array<Record<string, string | null>> = [
      { client_id: "someone-else" },
      { client_id: null },
      { redirect_uri: "https://evil.example/cb" },
      { redirect_uri: `${REDIRECT_URI}/` },
      { redirect_uri: null },
    ];
    for (const overrides of cases) {
      const response = await f.fetch(await authorizeUrl(overrides), { redirect: "manual" });
      expect(response.status, JSON.stringify(overrides)).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(await response.text()).not.toContain("evil.example");
    }
  });

  it("refuses repeated parameters", async () => {
    const url = `${await authorizeUrl()}&client_id=${CLIENT_ID}`;
    expect((await f.fetch(url, { redirect: "manual" })).status).toBe(400);
  });

  it("enforces PKCE S256 and response_type=code, answering at the redirect URI with state and iss", async () => {
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ code_challenge: null }, "invalid_request"],
      [{ code_challenge_method: null }, "invalid_request"],
      [{ code_challenge_method: "plain", code_challenge: VERIFIER }, "invalid_request"],
      [{ code_challenge: "short" }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ scope: 'bad"scope' }, "invalid_scope"],
    ];
    for (const [overrides, error] of cases) {
      const response = await f.fetch(await authorizeUrl(overrides), { redirect: "manual" });
      expect(response.status, JSON.stringify(overrides)).toBe(303);
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("state")).toBe("relay-state-123");
      expect(location.searchParams.get("iss")).toBe(`${RELAY}/sandbox`);
      expect(location.searchParams.get("code")).toBeNull();
    }
  });
});

describe("consent decision", () => {
  it("approve: 303 to the redirect URI with code, state and iss (RFC 9207)", async () => {
    const answer = await decide(await consent(await authorizeUrl()), "approve");
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get("code")).toMatch(/^sbx_ac_[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("state")).toBe("relay-state-123");
    expect(location.searchParams.get("iss")).toBe(`${RELAY}/sandbox`);
  });

  it("deny: 303 with error=access_denied and the state", async () => {
    const answer = await decide(await consent(await authorizeUrl()), "deny");
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("relay-state-123");
    expect(location.searchParams.get("code")).toBeNull();
  });

  it("answers each consent request once; unknown or expired requests are refused", async () => {
    const id = await consent(await authorizeUrl());
    expect((await decide(id, "approve")).status).toBe(303);
    const again = await decide(id, "approve");
    expect(again.status).toBe(400);
    expect(again.headers.get("location")).toBeNull();
    expect((await decide("made-up", "approve")).status).toBe(400);
    const late = await consent(await authorizeUrl());
    f.clock += 601_000;
    expect((await decide(late, "approve")).status).toBe(400);
  });
});

describe("token endpoint: authorization_code", () => {
  it("issues an opaque Bearer access token and a refresh token the sandbox recognizes", async () => {
    const response = await exchange(await approvedCode());
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "profile files.read" });
    expect(response.body.access_token).toMatch(/^sbx_at_[A-Za-z0-9_-]{43}$/);
    expect(response.body.refresh_token).toMatch(/^sbx_rt_[A-Za-z0-9_-]{43}$/);
    const info = await tokenInfo(response.body.access_token ?? "");
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ active: true, client_id: CLIENT_ID, scope: "profile files.read" });
    // A refresh token is not an access token.
    expect((await tokenInfo(response.body.refresh_token ?? "")).status).toBe(401);
    expect((await tokenInfo("sbx_at_madeup")).status).toBe(401);
  });

  it("codes are one-time: a second use fails and revokes what the first issued", async () => {
    const code = await approvedCode();
    const first = await exchange(code);
    expect(first.status).toBe(200);
    const second = await exchange(code);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect((await tokenInfo(first.body.access_token ?? "")).status).toBe(401);
  });

  it("codes live 60 seconds", async () => {
    const code = await approvedCode();
    f.clock += 61_000;
    const response = await exchange(code);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe("invalid_grant");
  });

  it("enforces PKCE: a wrong or missing code_verifier fails", async () => {
    expect((await exchange(await approvedCode(), { code_verifier: `${VERIFIER}x` })).body.error).toBe("invalid_grant");
    const code = await approvedCode();
    const missing = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
    expect(missing.body.error).toBe("invalid_grant");
  });

  it("binds the code to the redirect URI", async () => {
    const response = await exchange(await approvedCode(), { redirect_uri: `${RELAY}/v1/callback/other` });
    expect(response.body.error).toBe("invalid_grant");
  });

  it("checks client_secret_basic: wrong, missing or body credentials are refused", async () => {
    const code = await approvedCode();
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: VERIFIER };
    const wrong = await token(form, basic(CLIENT_ID, "not-the-secret"));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    expect(wrong.headers.get("www-authenticate")).toContain("Basic");
    expect((await token(form, basic("other-client", SECRET))).status).toBe(401);
    expect((await token(form, null)).status).toBe(401);
    expect((await token({ ...form, client_id: CLIENT_ID, client_secret: SECRET }, null)).status).toBe(401);
    // The code was never spent by the refused attempts.
    expect((await token(form)).status).toBe(200);
  });

  it("refuses other grant types", async () => {
    const response = await token({ grant_type: "password", username: "a", password: "b" });
    expect(response.body.error).toBe("unsupported_grant_type");
  });
});

describe("token endpoint: refresh_token", () => {
  it("refreshes, rotates the refresh token, and narrows but never widens scope", async () => {
    const first = await exchange(await approvedCode());
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token ?? "" });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);
    expect(refreshed.body.refresh_token).not.toBe(first.body.refresh_token);
    expect((await tokenInfo(refreshed.body.access_token ?? "")).body.active).toBe(true);
    // Spent.
    const reuse = await token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token ?? "" });
    expect(reuse.body.error).toBe("invalid_grant");

    const narrower = await token({
      grant_type: "refresh_token",
      refresh_token: refreshed.body.refresh_token ?? "",
      scope: "profile",
    });
    expect(narrower.body.scope).toBe("profile");
    const wider = await token({
      grant_type: "refresh_token",
      refresh_token: narrower.body.refresh_token ?? "",
      scope: "profile files.write",
    });
    expect(wider.body.error).toBe("invalid_scope");
  });

  it("refuses a refresh token presented with the wrong secret", async () => {
    const first = await exchange(await approvedCode());
    const response = await token(
      { grant_type: "refresh_token", refresh_token: first.body.refresh_token ?? "" },
      basic(CLIENT_ID, "wrong"),
    );
    expect(response.status).toBe(401);
  });
});

describe("mounting", () => {
  it("answers 404 everywhere when SANDBOX is not 1", async () => {
    const config = await loadConfig({
      RELAY_URL: RELAY,
      STATE_KEYS: generateStateKeyPair("t1"),
      APPS: JSON.stringify([{ id: "dropbox", server: "dropbox", client_id: "abc" }]),
      CLIENT_SECRET_DROPBOX: "x",
    });
    // Mounted anyway (createRelay would not): the sandbox's own guard still answers 404.
    const app = createApp({
      deps: { config, recorder: { record: () => {} }, limits: NO_LIMITS },
      mounts: [(hono) => mountSandbox(hono, (c) => c.get("deps"))],
    });
    for (const path of ["/sandbox/authorize", "/sandbox/tokeninfo"]) {
      expect((await app.request(`${RELAY}${path}`)).status).toBe(404);
    }
    expect((await app.request(`${RELAY}/sandbox/token`, { method: "POST" })).status).toBe(404);
  });
});

describe("ExpiringStore", () => {
  it("is bounded and forgets expired entries", () => {
    let now = 0;
    const store = new ExpiringStore<number>(3, () => now);
    for (let i = 0; i < 10; i++) store.set(`k${i}`, i, 1000);
    expect(store.size).toBe(3);
    expect(store.get("k0")).toBeUndefined();
    expect(store.get("k9")).toBe(9);
    now = 1000;
    expect(store.get("k9")).toBeUndefined();
    store.set("a", 1, 10);
    expect(store.take("a")).toBe(1);
    expect(store.take("a")).toBeUndefined();
  });
});
