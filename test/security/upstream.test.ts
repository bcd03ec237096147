/**
 * docs/SECURITY.md S18, S27, S30, S32-S36, S62, S67, S78: the relay's token requests (code exchange and
 * refresh) and what it makes of the answers.
 */
import { describe, expect, it } from "vitest";
import { json, text } from "../fakes/http.js";
import { parseForm } from "../harness/instance.js";
import { makeRelay, postForm, RELAY_URL, SECRETS, startFlow, type TestRelay } from "./helpers.js";

const ALLOWED_HEADERS = new Set(["content-type", "accept", "authorization", "user-agent"]);
const BROWSER_HEADERS = {
  cookie: "session=COOKIE_SENTINEL",
  "user-agent": "UA_SENTINEL/1.0",
  "x-forwarded-for": "203.0.113.7",
  "cf-connecting-ip": "203.0.113.7",
  "x-real-ip": "203.0.113.7",
  referer: "https://www.dropbox.com/REFERER_SENTINEL",
  origin: "https://www.dropbox.com",
  "accept-language": "de-CH",
};

/** Authorize at the relay's fake provider and return the callback path (+ POST form for Microsoft). */
async function authorizedCallback(relay: TestRelay, app: "dropbox" | "ms" | "acme", flowBody = {}) {
  const flow = await startFlow(relay, { app, ...flowBody });
  const fake = app === "dropbox" ? relay.dropbox : app === "ms" ? relay.microsoft : relay.generic;
  const outcome = await fake.authorize(flow.authorizationUrl);
  if (outcome.kind !== "callback") throw new Error(outcome.message);
  return { flow, path: outcome.request.url.slice(RELAY_URL.length), form: outcome.request.form };
}

async function fields(response: Response): Promise<Record<string, string>> {
  expect(response.status).toBe(200);
  return parseForm(await response.text()).fields;
}

describe("code exchange request", () => {
  it("Dropbox (client_secret_post): one POST, no query, minimal body, only relay headers", async () => {
    const relay = await makeRelay();
    const { flow, path } = await authorizedCallback(relay, "dropbox");
    const delivered = await fields(await relay.request(path, { headers: BROWSER_HEADERS }));
    expect(delivered.result).toBeTruthy();
    expect(relay.upstream).toHaveLength(1);
    const [sent] = relay.upstream;
    if (!sent) throw new Error("no upstream request");
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe("https://api.dropboxapi.com/oauth2/token");
    for (const name of Object.keys(sent.headers)) expect(ALLOWED_HEADERS.has(name), name).toBe(true);
    expect(sent.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sent.headers["user-agent"]).not.toContain("UA_SENTINEL");
    expect(sent.headers.authorization).toBeUndefined();
    const everything = JSON.stringify(sent);
    for (const value of Object.values(BROWSER_HEADERS)) expect(everything).not.toContain(value);
    const body = new URLSearchParams(sent.body);
    expect([...body.keys()].sort()).toEqual([
      "client_id",
      "client_secret",
      "code",
      "code_verifier",
      "grant_type",
      "redirect_uri",
    ]);
    expect(body.get("grant_type")).toBe("authorization_code");
    expect(body.get("client_secret")).toBe(SECRETS.dropbox);
    // The redirect_uri is byte-identical to the one in the authorization request.
    expect(body.get("redirect_uri")).toBe(new URL(flow.authorizationUrl).searchParams.get("redirect_uri"));
    expect(body.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(relay.records).toEqual(['{"server":"dropbox","grant":"authorization_code"}']);
  });

  it("client_secret_basic: id and secret form-urlencoded before base64 (RFC 6749 §2.3.1), nothing in the body", async () => {
    const relay = await makeRelay();
    const { path } = await authorizedCallback(relay, "acme");
    const delivered = await fields(await relay.request(`${path}`));
    // The generic fake decodes per §2.3.1 and refuses anything else: a result means it matched.
    expect(delivered.error, delivered.error_description).toBeUndefined();
    expect(delivered.result).toBeTruthy();
    const sent = relay.upstream[0];
    const basic = Buffer.from((sent?.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
    const [id, secret, ...rest] = basic.split(":");
    expect(rest).toEqual([]);
    expect(id).toBe("acme+client%3Aid");
    // Raw "/", ":" and space never appear; "+", "/", "%" and ":" of the secret travel escaped.
    expect(secret).not.toMatch(/[/: ]/);
    for (const escaped of ["%2B", "%2F", "%25", "%3A"]) expect(secret).toContain(escaped);
    expect(decodeURIComponent((secret ?? "").replace(/\+/g, " "))).toBe(SECRETS.acme);
    const body = new URLSearchParams(sent?.body);
    expect(body.has("client_secret")).toBe(false);
    expect(sent?.url).toBe("https://as.example.test/token");
  });

  it("Microsoft: tenant from the relay state in the token URL; form_post callback handled", async () => {
    const relay = await makeRelay();
    const { form, path } = await authorizedCallback(relay, "ms", { tenant: "contoso.com" });
    const response = await relay.request(path, postForm(form?.toString() ?? ""));
    const delivered = await fields(response);
    expect(delivered.error, delivered.error_description).toBeUndefined();
    expect(delivered.result).toBeTruthy();
    expect(relay.upstream).toHaveLength(1);
    expect(relay.upstream[0]?.url).toBe("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token");
    expect(new URLSearchParams(relay.upstream[0]?.body).get("client_secret")).toBe(SECRETS.ms);
  });
});

describe("RFC 9207 iss on the authorization response", () => {
  it.each([
    ["acme", "missing", null],
    ["acme", "wrong", "https://evil.example"],
    ["acme", "almost (trailing slash)", "https://as.example.test/"],
    ["sandbox", "missing", null],
    ["sandbox", "wrong", "https://evil.example"],
  ] as const)("%s: %s iss → no exchange, error delivered with state", async (app, _label, iss) => {
    const relay = await makeRelay();
    const flow = await startFlow(relay, { app });
    const query = new URLSearchParams({ state: flow.relayState, code: "CODE_SENTINEL" });
    if (iss !== null) query.set("iss", iss);
    const delivered = await fields(await relay.request(`/v1/callback/${app}?${query}`));
    expect(delivered.error).toBe("server_error");
    expect(delivered.state).toBe(flow.state);
    expect(delivered.result).toBeUndefined();
    expect(relay.upstream).toHaveLength(0);
    expect(relay.records).toEqual([]);
  });

  it("acme: the right iss → exactly one exchange", async () => {
    const relay = await makeRelay();
    const { path } = await authorizedCallback(relay, "acme");
    expect(new URL(path, RELAY_URL).searchParams.get("iss")).toBe("https://as.example.test");
    expect((await fields(await relay.request(path))).result).toBeTruthy();
    expect(relay.upstream).toHaveLength(1);
  });

  it("sandbox: the right iss → the exchange is attempted (the in-process sandbox refuses the made-up code)", async () => {
    const relay = await makeRelay();
    const flow = await startFlow(relay, { app: "sandbox" });
    const query = new URLSearchParams({ state: flow.relayState, code: "c", iss: `${RELAY_URL}/sandbox` });
    const delivered = await fields(await relay.request(`/v1/callback/sandbox?${query}`));
    // invalid_grant comes from the sandbox's token endpoint; an iss mismatch would be server_error.
    expect(delivered.error).toBe("invalid_grant");
  });
});

describe("token endpoint answers (code exchange)", () => {
  const cases: Array<[string, string, () => Response | Promise<Response>]> = [
    ["text/plain 400", "server_error", () => text("Error in call to API function", 400)],
    ["HTML 502", "temporarily_unavailable", () => text("<html>bad gateway</html>", 502, "text/html")],
    ["invalid_grant JSON", "invalid_grant", () => json({ error: "invalid_grant", error_description: "x" }, 400)],
    ["non-RFC 500 JSON", "temporarily_unavailable", () => json({ error: "The server has either erred" }, 500)],
    ["200 without access_token", "server_error", () => json({ token_type: "bearer" })],
    ["200 with token_type mac", "server_error", () => json({ access_token: "a", token_type: "mac" })],
    ["200 JSON array", "server_error", () => json([{ access_token: "a", token_type: "bearer" }])],
    [
      "307 redirect to another host",
      "server_error",
      () => new Response(null, { status: 307, headers: { location: "https://evil.example/token" } }),
    ],
  ];

  it.each(cases)("%s → %s delivered, exactly one upstream call, no record", async (_label, error, answer) => {
    const relay = await makeRelay();
    relay.outbound.override = async () => answer();
    const flow = await startFlow(relay);
    const delivered = await fields(await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&code=c`));
    expect(delivered.error).toBe(error);
    expect(delivered.state).toBe(flow.state);
    expect(delivered.result).toBeUndefined();
    expect(delivered.error_description).not.toContain("erred");
    expect(relay.upstream).toHaveLength(1);
    expect(relay.records).toEqual([]);
  });

  it.each([
    [
      "200 without access_token",
      () => json({ token_type: "bearer" }),
      "The provider's token response (200) had no access_token.",
    ],
    [
      "200 without token_type",
      () => json({ access_token: "a" }),
      "The provider's token response (200) had no token_type.",
    ],
    [
      "201 with token_type mac",
      () => json({ access_token: "a", token_type: "mac" }, 201),
      'The provider\'s token response (201) had token_type "mac", which this relay does not forward for Dropbox.',
    ],
    [
      "400 invalid_client",
      () => json({ error: "invalid_client" }, 400),
      "The provider refused the code exchange (invalid_client).",
    ],
    [
      "200 with an error body (GitHub)",
      () => json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }),
      "The provider refused the code exchange (bad_verification_code).",
    ],
    ["400 text/plain", () => text("nope", 400), "The provider's token endpoint answered 400 without JSON."],
  ])("%s: the delivered description says what happened", async (_label, answer, description) => {
    const relay = await makeRelay();
    relay.outbound.override = async () => answer();
    const flow = await startFlow(relay);
    const delivered = await fields(await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&code=c`));
    expect(delivered.error_description).toBe(description);
  });

  it.each([200, 201, 203])("a %i with a usable token is a success: result delivered, one record", async (status) => {
    const relay = await makeRelay();
    relay.outbound.override = async () => json({ access_token: "at", token_type: "bearer" }, status);
    const flow = await startFlow(relay);
    const delivered = await fields(await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&code=c`));
    expect(delivered.error).toBeUndefined();
    expect(delivered.result).toBeTruthy();
    expect(relay.records).toEqual(['{"server":"dropbox","grant":"authorization_code"}']);
  });

  it.each(["Bearer", "bearer", "BEARER"])("token_type %s is accepted", async (tokenType) => {
    const relay = await makeRelay();
    relay.outbound.override = async () => json({ access_token: "at", token_type: tokenType });
    const flow = await startFlow(relay);
    expect(
      (await fields(await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&code=c`))).result,
    ).toBeTruthy();
  });

  it("a hanging token endpoint: temporarily_unavailable within the timeout, one call, never retried", async () => {
    const relay = await makeRelay({ UPSTREAM_TIMEOUT_MS: "200" });
    relay.outbound.override = (request) =>
      new Promise((_resolve, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
    const flow = await startFlow(relay);
    const started = performance.now();
    const delivered = await fields(await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&code=c`));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(delivered.error).toBe("temporarily_unavailable");
    expect(relay.upstream).toHaveLength(1);
  });

  it("a 10 MB response body is cut off at the cap, not read to the end", async () => {
    const relay = await makeRelay();
    let produced = 0;
    relay.outbound.override = async () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            if (produced >= 10 * 1024 * 1024) return controller.close();
            produced += 16 * 1024;
            controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
          },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      );
    const flow = await startFlow(relay);
    const delivered = await fields(await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&code=c`));
    expect(delivered.error).toBe("server_error");
    expect(produced).toBeLessThan(1024 * 1024);
  });
});

describe("POST /v1/token/<app> (refresh)", () => {
  const refresh = (relay: TestRelay, app: string, body: string, type = "application/x-www-form-urlencoded") =>
    relay.request(`/v1/token/${app}`, { method: "POST", headers: { "content-type": type }, body });

  it.each([
    "grant_type=password&username=u&password=p",
    "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fevil.example",
    "grant_type=client_credentials",
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=x",
  ])("%s → 400 unsupported_grant_type, no upstream call", async (body) => {
    const relay = await makeRelay();
    const response = await refresh(relay, "dropbox", body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("unsupported_grant_type");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(relay.upstream).toHaveLength(0);
  });

  it.each([
    ["unknown app", "nope", "grant_type=refresh_token&refresh_token=r", undefined, 404],
    ["JSON body", "dropbox", '{"grant_type":"refresh_token","refresh_token":"r"}', "application/json", 415],
    ["no refresh_token", "dropbox", "grant_type=refresh_token", undefined, 400],
    ["duplicate refresh_token", "dropbox", "grant_type=refresh_token&refresh_token=a&refresh_token=b", undefined, 400],
    [
      "token_endpoint parameter",
      "dropbox",
      "grant_type=refresh_token&refresh_token=r&token_endpoint=x",
      undefined,
      400,
    ],
    ["scope outside the allow-list", "ms", "grant_type=refresh_token&refresh_token=r&scope=Mail.Read", undefined, 400],
    ["bad tenant", "ms", "grant_type=refresh_token&refresh_token=r&tenant=..%2Fevil", undefined, 400],
    ["other client_id", "dropbox", "grant_type=refresh_token&refresh_token=r&client_id=other", undefined, 400],
    [
      "a variable the server lacks",
      "dropbox",
      "grant_type=refresh_token&refresh_token=r&tenant=common",
      undefined,
      400,
    ],
    ["a required variable missing", "netsuite", "grant_type=refresh_token&refresh_token=r", undefined, 400],
    [
      "a host in a variable",
      "netsuite",
      "grant_type=refresh_token&refresh_token=r&account_id=evil.com%2Fx",
      undefined,
      400,
    ],
    [
      "an operator-only variable",
      "gitlab",
      "grant_type=refresh_token&refresh_token=r&host=gitlab.evil.example",
      undefined,
      400,
    ],
    [
      "scopes of two Microsoft resources",
      "ms",
      "grant_type=refresh_token&refresh_token=r&scope=User.Read+https%3A%2F%2Fa.crm.dynamics.com%2F.default",
      undefined,
      400,
    ],
  ] as const)("%s → %i JSON error, no upstream call", async (_label, app, body, type, status) => {
    const relay = await makeRelay();
    const response = await refresh(relay, app, body, type);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: expect.any(String), error_description: expect.any(String) });
    expect(relay.upstream).toHaveLength(0);
  });

  it("client credentials added by the relay; secret never in the URL; one refresh record", async () => {
    const relay = await makeRelay();
    const token = relay.dropbox.mintRefreshToken();
    const response = await refresh(relay, "dropbox", `grant_type=refresh_token&refresh_token=${token}`);
    expect(response.status).toBe(200);
    expect(relay.upstream).toHaveLength(1);
    expect(new URL(relay.upstream[0]?.url ?? "").search).toBe("");
    expect(new URLSearchParams(relay.upstream[0]?.body).get("client_secret")).toBe(SECRETS.dropbox);
    expect(relay.records).toEqual(['{"server":"dropbox","grant":"refresh_token"}']);
  });

  it("Microsoft refresh goes to the requested tenant's token endpoint", async () => {
    const relay = await makeRelay();
    const token = relay.microsoft.mintRefreshToken("organizations");
    const response = await refresh(relay, "ms", `grant_type=refresh_token&refresh_token=${token}`);
    expect(response.status).toBe(200);
    expect(relay.upstream[0]?.url).toBe("https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
    const other = await refresh(relay, "ms", `grant_type=refresh_token&refresh_token=${token}&tenant=consumers`);
    expect(other.status).toBe(400);
    expect(relay.upstream[1]?.url).toBe("https://login.microsoftonline.com/consumers/oauth2/v2.0/token");
  });

  it("variables travel as fields: NetSuite's account_id picks the token host", async () => {
    const relay = await makeRelay();
    relay.outbound.override = async () => json({ access_token: "at", token_type: "Bearer", expires_in: 3600 });
    const response = await refresh(
      relay,
      "netsuite",
      "grant_type=refresh_token&refresh_token=r&account_id=1234567-sb1",
    );
    expect(response.status).toBe(200);
    expect(relay.upstream[0]?.url).toBe(
      "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
    );
    // NetSuite takes HTTP Basic, raw: base64("ns-client:NS_SECRET_SENTINEL"), nothing in the body.
    expect(relay.upstream[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("ns-client:NS_SECRET_SENTINEL").toString("base64")}`,
    );
    expect(new URLSearchParams(relay.upstream[0]?.body).get("client_secret")).toBeNull();
  });

  it.each([
    ["201 with a token", () => json({ access_token: "at", token_type: "bearer" }, 201), 200, "recorded"],
    ["200 without access_token", () => json({ token_type: "bearer", note: "x" }), 502, "no access_token"],
    ["200 without token_type", () => json({ access_token: "at" }), 502, "no token_type"],
    ["200 with an error body (GitHub)", () => json({ error: "bad_refresh_token" }), 400, "passed on"],
  ] as const)("refresh answered %s → %i (the code exchange's rule)", async (_label, answer, status, outcome) => {
    const relay = await makeRelay();
    relay.outbound.override = async () => answer();
    const response = await refresh(relay, "dropbox", "grant_type=refresh_token&refresh_token=r");
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    if (outcome === "recorded") {
      expect(body.access_token).toBe("at");
      expect(relay.records).toEqual(['{"server":"dropbox","grant":"refresh_token"}']);
    } else if (outcome === "passed on") {
      // The provider's own error, as a 400 the caller can act on (RFC 6749 §5.2).
      expect(body).toEqual({ error: "bad_refresh_token" });
      expect(relay.records).toEqual([]);
    } else {
      expect(body).toEqual({
        error: "server_error",
        error_description: `the provider's token response (200) had ${outcome}`,
      });
      expect(relay.records).toEqual([]);
    }
  });

  it("provider status and JSON body are passed through; no record on failure", async () => {
    const relay = await makeRelay();
    const body = { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." };
    relay.outbound.override = async () => json(body, 401);
    const response = await refresh(relay, "ms", "grant_type=refresh_token&refresh_token=r");
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(body);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(relay.records).toEqual([]);
  });

  it.each([
    ["non-JSON", async () => text("<html>oops</html>", 200, "text/html"), 502],
    ["redirect", async () => new Response(null, { status: 302, headers: { location: "https://evil.example" } }), 502],
    ["network failure", async (): Promise<Response> => Promise.reject(new TypeError("fetch failed")), 502],
  ] as const)("upstream %s → %i JSON error", async (_label, answer, status) => {
    const relay = await makeRelay();
    relay.outbound.override = answer;
    const response = await refresh(relay, "dropbox", "grant_type=refresh_token&refresh_token=r");
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: expect.any(String), error_description: expect.any(String) });
    expect(relay.records).toEqual([]);
  });

  it("upstream timeout → 504 (UPSTREAM_TIMEOUT_MS=200)", async () => {
    const relay = await makeRelay({ UPSTREAM_TIMEOUT_MS: "200" });
    relay.outbound.override = (request) =>
      new Promise((_resolve, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
    const started = performance.now();
    const response = await refresh(relay, "dropbox", "grant_type=refresh_token&refresh_token=r");
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: string }).error).toBe("temporarily_unavailable");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(relay.upstream).toHaveLength(1);
  });
});
