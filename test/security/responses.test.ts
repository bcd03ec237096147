/**
 * docs/SECURITY.md S23, S28, S31, S41-S43, S47-S53, S56 (fail closed): what every response looks like —
 * headers on every status, HTML hardening, escaping, form_post page, query/fragment delivery.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { createWorker } from "../../src/workers/app.js";
import { json } from "../fakes/http.js";
import { newInstanceState, parseForm } from "../harness/instance.js";
import { NO_LIMITS } from "../harness/relay.js";
import {
  baseEnv,
  instanceKey,
  LOOPBACK_RETURN,
  makeRelay,
  postForm,
  postJson,
  RELAY_URL,
  startFlow,
  type TestRelay,
} from "./helpers.js";

let relay: TestRelay;
beforeAll(async () => {
  relay = await makeRelay({ RETURN_ORIGINS: "https://qorus.acme.com" });
});

function expectCommonHeaders(response: Response, label: string) {
  const h = response.headers;
  expect(h.get("cache-control"), label).toBe("no-store");
  expect(h.get("referrer-policy"), label).toBe("no-referrer");
  expect(h.get("x-content-type-options"), label).toBe("nosniff");
  expect(h.get("set-cookie"), label).toBeNull();
  for (const name of h.keys()) expect(name.startsWith("access-control-"), `${label}: ${name}`).toBe(false);
  expect(h.get("pragma"), label).toBe("no-cache");
  expect(h.get("strict-transport-security"), label).toMatch(/max-age=(3153[6-9]\d{3}|[4-9]\d{7}|\d{9,})/);
  expect(h.get("cross-origin-opener-policy"), label).toBe("same-origin");
  expect(h.get("cross-origin-resource-policy"), label).toBe("same-origin");
}

function expectHtmlHeaders(response: Response, label: string) {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp, label).toContain("default-src 'none'");
  expect(csp, label).toContain("frame-ancestors 'none'");
  expect(csp, label).not.toContain("unsafe-inline");
  expect(csp, label).not.toContain("unsafe-eval");
  expect(response.headers.get("x-frame-options"), label).toBe("DENY");
  expect(response.headers.get("content-type"), label).toMatch(/^text\/html; ?charset=utf-8$/i);
}

describe("every response carries the baseline headers", () => {
  const cases: Array<[number, string, () => Promise<Response>]> = [
    [200, "GET /healthz", () => relay.request("/healthz")],
    [200, "GET /v1/apps", () => relay.request("/v1/apps")],
    [
      200,
      "form_post delivery page",
      async () =>
        relay.request(`/v1/callback/dropbox?state=${(await startFlow(relay)).relayState}&error=access_denied`),
    ],
    [
      200,
      "confirmation page",
      async () =>
        relay.request(
          `/v1/callback/dropbox?error=access_denied&state=${(await startFlow(relay, { return_to: "https://unlisted.example.org/cb" })).relayState}`,
        ),
    ],
    [
      201,
      "POST /v1/flows",
      async () =>
        relay.request(
          "/v1/flows",
          postJson({
            app: "dropbox",
            return_to: LOOPBACK_RETURN,
            state: newInstanceState(),
            key: (await instanceKey()).publicJwk,
          }),
        ),
    ],
    [
      303,
      "query delivery",
      async () =>
        relay.request(
          `/v1/callback/dropbox?state=${(await startFlow(relay, { response_mode: "query" })).relayState}&error=access_denied`,
        ),
    ],
    [400, "invalid callback page", () => relay.request("/v1/callback/dropbox?state=bogus&code=c")],
    [400, "invalid flow request", () => relay.request("/v1/flows", postJson({}))],
    [404, "unknown path", () => relay.request("/nope")],
    [405, "HEAD callback", () => relay.request("/v1/callback/dropbox?state=x&code=c", { method: "HEAD" })],
    [
      413,
      "oversized flow body",
      () =>
        relay.request("/v1/flows", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: `{"app":"${"a".repeat(20_000)}"}`,
        }),
    ],
    [414, "oversized URL", () => relay.request(`/v1/callback/dropbox?state=${"a".repeat(9000)}`)],
    [
      415,
      "flow request not JSON",
      () => relay.request("/v1/flows", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }),
    ],
    [
      404,
      "CORS preflight",
      () =>
        relay.request("/v1/flows", {
          method: "OPTIONS",
          headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
        }),
    ],
    [
      200,
      "request with Origin",
      () => relay.request("/v1/apps", { headers: { origin: "https://evil.example", cookie: "a=b" } }),
    ],
  ];

  it.each(cases)("%i %s", async (status, label, send) => {
    const response = await send();
    expect(response.status, label).toBe(status);
    expectCommonHeaders(response, label);
    if ((response.headers.get("content-type") ?? "").startsWith("text/html")) expectHtmlHeaders(response, label);
    if (status === 400 && label.includes("page")) {
      expectHtmlHeaders(response, label);
      // Pages without a form allow no form submission at all.
      expect(response.headers.get("content-security-policy")).toContain("form-action 'none'");
      expect(response.headers.get("content-security-policy")).not.toContain("script-src");
    }
  });

  it("500: invalid configuration fails closed, naming the variable, never a secret", async () => {
    // Workers validate on the first request and fail closed (Node refuses to start: config.test.ts).
    const env = { ...baseEnv(), STATE_KEYS: "k1:short", CLIENT_SECRET_DROPBOX: "SECRET_SENTINEL_500" };
    const worker = createWorker();
    for (const path of ["/healthz", "/v1/callback/dropbox?state=x&code=c", "/v1/apps"]) {
      const response = await worker.fetch(new Request(`${RELAY_URL}${path}`), env);
      expect(response.status).toBe(500);
      expect(response.headers.get("location")).toBeNull();
      expectCommonHeaders(response, path);
      const text = await response.text();
      expect(text).toContain("STATE_KEYS");
      expect(text).not.toContain("SECRET_SENTINEL_500");
      expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it("500: an unexpected failure answers a fixed text, no stack or message", async () => {
    const failing = {
      hit: async () => {
        throw new Error("INTERNAL_SENTINEL at /src/secret.ts:1:1");
      },
    };
    const app = createApp({
      deps: {
        config: relay.config,
        recorder: { record: () => {} },
        limits: { ...NO_LIMITS, perClient: { flows: failing } },
      },
    });
    const response = await app.request("/v1/flows", postJson({}));
    expect(response.status).toBe(500);
    expectCommonHeaders(response, "500 unexpected");
    const text = await response.text();
    expect(text).not.toContain("INTERNAL_SENTINEL");
    expect(JSON.parse(text)).toEqual({ error: "server_error", error_description: expect.any(String) });
  });
});

describe("form_post delivery page", () => {
  it("escapes a hostile error_description; CSP has a nonce'd script and no 'unsafe-inline'", async () => {
    const flow = await startFlow(relay);
    const payload = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`;
    const response = await relay.request(
      `/v1/callback/dropbox?state=${flow.relayState}&error=access_denied&error_description=${encodeURIComponent(payload)}`,
    );
    expect(response.status).toBe(200);
    expectHtmlHeaders(response, "xss");
    const html = await response.text();
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const scripts = [...html.matchAll(/<script([^>]*)>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.[1]).toBe(` nonce="${nonce}"`);
    // No event-handler attributes once quoted attribute values (escaped data) are set aside.
    expect(html.replace(/="[^"]*"/g, '=""')).not.toMatch(/\son[a-z]+=/i);
    // The description reaches the instance as plain text, exactly once, in its field.
    expect(parseForm(html).fields.error_description).toBe(payload);
  });

  it("form-action is exactly the return_to origin; the one form posts to return_to", async () => {
    const returnTo = "https://qorus.acme.com/oauth2/relay?x=1";
    const flow = await startFlow(relay, { return_to: returnTo });
    const response = await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&error=access_denied`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp.split("; ")).toContain("form-action https://qorus.acme.com");
    expect(csp).toContain("base-uri 'none'");
    const { action, fields } = parseForm(await response.text());
    expect(action).toBe(returnTo);
    expect(Object.keys(fields).sort()).toEqual(["error", "error_description", "state"]);
  });

  it("the page drops the callback URL from history before submitting", async () => {
    const flow = await startFlow(relay);
    const html = await (
      await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&error=access_denied`)
    ).text();
    expect(html).toContain("history.replaceState(null");
    expect(html).toMatch(/<button[^>]*type="submit"/);
  });
});

describe("default response mode", () => {
  it("form_post for loopback and https return_to, query for a plain-http LAN instance", async () => {
    const lan = await makeRelay({ RETURN_ORIGINS: "https://qorus.acme.com,http://10.0.0.5:8011" });
    for (const [returnTo, status] of [
      [LOOPBACK_RETURN, 200],
      ["https://qorus.acme.com/oauth2/relay", 200],
      ["http://10.0.0.5:8011/oauth2/relay", 303],
    ] as const) {
      const flow = await startFlow(lan, { return_to: returnTo });
      const response = await lan.request(`/v1/callback/dropbox?state=${flow.relayState}&error=access_denied`);
      expect(response.status, returnTo).toBe(status);
      if (status === 303)
        expect(response.headers.get("location")).toMatch(
          /^http:\/\/10\.0\.0\.5:8011\/oauth2\/relay\?error=access_denied&.*#_$/,
        );
      else expect(parseForm(await response.text()).action).toBe(returnTo);
    }
  });
});

describe("query and fragment delivery", () => {
  it("query: 303 (never 302/307/308), Location ends with #_, return_to's own query kept", async () => {
    const flow = await startFlow(relay, { response_mode: "query", return_to: `${LOOPBACK_RETURN}?session=1` });
    const response = await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&error=access_denied`);
    expect(response.status).toBe(303);
    const location = response.headers.get("location") ?? "";
    expect(location.startsWith(`${LOOPBACK_RETURN}?session=1&error=access_denied&`)).toBe(true);
    expect(location.endsWith("#_")).toBe(true);
  });

  it("fragment: 303 to return_to#…", async () => {
    const flow = await startFlow(relay, { response_mode: "fragment" });
    const response = await relay.request(`/v1/callback/dropbox?state=${flow.relayState}&error=access_denied`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(new RegExp(`^${LOOPBACK_RETURN}#error=access_denied&`));
  });

  it("query falls back to form_post when the URL would exceed 8000 characters", async () => {
    const big = await makeRelay();
    const answer = (size: number) => () =>
      Promise.resolve(json({ access_token: "a".repeat(size), token_type: "bearer", expires_in: 60 }));
    for (const [size, expected] of [
      [100, 303],
      [7000, 200],
    ] as const) {
      big.outbound.override = answer(size);
      const flow = await startFlow(big, { response_mode: "query" });
      const response = await big.request(`/v1/callback/dropbox?state=${flow.relayState}&code=abc`);
      expect(response.status).toBe(expected);
      if (expected === 303) {
        expect((response.headers.get("location") ?? "").length).toBeLessThanOrEqual(8000);
      } else {
        const { action, fields } = parseForm(await response.text());
        expect(action).toBe(LOOPBACK_RETURN);
        expect(fields.result?.length).toBeGreaterThan(8000);
        expect(fields.state).toBe(flow.state);
      }
    }
  });
});

describe("state transfer hygiene", () => {
  it("a POSTed callback carrying error and code never leaks the code into the Location", async () => {
    const flow = await startFlow(relay, { app: "ms", response_mode: "fragment" });
    const response = await relay.request(
      "/v1/callback/ms",
      postForm({ state: flow.relayState, error: "access_denied", code: "CODE_SENTINEL" }),
    );
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).not.toContain("CODE_SENTINEL");
  });
});
