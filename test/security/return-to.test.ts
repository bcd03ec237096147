/** Checklist #44-#47: return_to syntax, RETURN_ORIGINS, confirm vs allowlist, re-check at callback. */
import { beforeAll, describe, expect, it } from "vitest";
import { newInstanceState, readDelivery } from "../fakes/instance.js";
import { instanceKey, makeRelay, postJson, RELAY_URL, startFlow, type TestRelay } from "./helpers.js";

const ORIGINS = "https://qorus.acme.com,https://*.corp.example,http://192.168.1.20:8011";

type Expected = "direct" | "confirm" | "refused";

const TABLE: Array<[string, Expected]> = [
  // Loopback, always accepted.
  ["http://127.0.0.1:8011/oauth2/relay", "direct"],
  ["http://127.0.0.1/", "direct"],
  ["http://[::1]:9000/cb", "direct"],
  ["http://localhost:8011/cb", "direct"],
  ["https://localhost/cb?x=1", "direct"],
  // Not in canonical WHATWG form: alternative spellings of loopback and friends.
  ["http://127.1/", "refused"],
  ["http://0x7f000001/", "refused"],
  ["http://2130706433/", "refused"],
  ["http://[::ffff:127.0.0.1]/", "refused"],
  ["HTTP://127.0.0.1/", "refused"],
  ["http://LOCALHOST/", "refused"],
  ["http://127.0.0.1:80/", "refused"],
  ["http://127.0.0.1/a/../b", "refused"],
  [" http://127.0.0.1/", "refused"],
  ["https://a\\@evil.com", "refused"],
  ["http://127.0.0.1", "refused"],
  // Userinfo tricks.
  ["http://user:pass@127.0.0.1/", "refused"],
  ["http://user@127.0.0.1/cb", "refused"],
  ["http://127.0.0.1%2f@evil.com/", "refused"],
  ["https://qorus.acme.com@evil.com/", "refused"],
  // Schemes.
  ["javascript:alert(1)", "refused"],
  ["data:text/html,<script>alert(1)</script>", "refused"],
  ["qorus://callback", "refused"],
  ["file:///etc/passwd", "refused"],
  ["ftp://127.0.0.1/", "refused"],
  // Non-loopback http, fragments, length.
  ["http://evil.example/cb", "refused"],
  ["http://localhost./cb", "refused"],
  ["http://127.0.0.1:8011/cb#frag", "refused"],
  ["http://127.0.0.1:8011/cb#", "refused"],
  [`http://127.0.0.1/${"a".repeat(500)}`, "refused"],
  ["relative/path", "refused"],
  // RETURN_ORIGINS: exact, wildcard, explicit LAN http.
  ["https://qorus.acme.com/oauth2/relay", "direct"],
  ["https://qorus.acme.com:8443/cb", "confirm"],
  ["https://x.corp.example/cb", "direct"],
  ["https://a.b.corp.example/cb", "direct"],
  ["https://corp.example/cb", "confirm"],
  ["https://evilcorp.example/cb", "confirm"],
  ["https://qorus.acme.com.evil.com/", "confirm"],
  ["http://x.corp.example/cb", "refused"],
  ["http://192.168.1.20:8011/cb", "direct"],
  ["http://192.168.1.20/cb", "refused"],
  ["http://192.168.1.20:8012/cb", "refused"],
  // Any other https origin: confirm page (policy confirm) or refused (policy allowlist).
  ["https://unlisted.example.org/cb", "confirm"],
];

let confirmRelay: TestRelay;
let allowlistRelay: TestRelay;
beforeAll(async () => {
  [confirmRelay, allowlistRelay] = await Promise.all([
    makeRelay({ RETURN_ORIGINS: ORIGINS }),
    makeRelay({ RETURN_ORIGINS: ORIGINS, RETURN_POLICY: "allowlist" }),
  ]);
});

async function postFlow(relay: TestRelay, returnTo: string) {
  const key = await instanceKey();
  return relay.request(
    "/v1/flows",
    postJson({ app: "dropbox", return_to: returnTo, state: newInstanceState(), key: key.publicJwk }),
  );
}

async function outcome(response: Response): Promise<Expected> {
  const body = (await response.json()) as { authorization_url?: string; error_description?: string };
  if (response.status === 400) {
    expect(body.error_description).toMatch(/^return_to: /);
    return "refused";
  }
  expect(response.status).toBe(201);
  return body.authorization_url?.startsWith(`${RELAY_URL}/v1/confirm?`) ? "confirm" : "direct";
}

describe("return_to table", () => {
  it.each(TABLE)("policy confirm: %s → %s", async (returnTo, expected) => {
    expect(await outcome(await postFlow(confirmRelay, returnTo))).toBe(expected);
  });

  it.each(TABLE)("policy allowlist: %s", async (returnTo, expected) => {
    expect(await outcome(await postFlow(allowlistRelay, returnTo))).toBe(expected === "confirm" ? "refused" : expected);
  });

  it("a refusal explains itself without a redirect", async () => {
    const response = await postFlow(confirmRelay, "http://0x7f000001/");
    expect(response.headers.get("location")).toBeNull();
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error: "invalid_request", error_description: expect.stringContaining("canonical") });
  });
});

describe("confirm page (policy confirm, unlisted https origin)", () => {
  it("is a non-frameable interstitial naming the origin; Continue goes to the provider", async () => {
    const flow = await startFlow(confirmRelay, { return_to: "https://unlisted.example.org/cb" });
    const response = await confirmRelay.request(flow.authorizationUrl.slice(RELAY_URL.length));
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain("https://unlisted.example.org");
    const continueHref = /id="continue" href="([^"]*)"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? "";
    expect(continueHref.startsWith("https://www.dropbox.com/oauth2/authorize?")).toBe(true);
    expect(confirmRelay.upstream).toHaveLength(0);
  });

  it("Cancel delivers access_denied to return_to with the instance state", async () => {
    const flow = await startFlow(confirmRelay, { return_to: "https://unlisted.example.org/cb" });
    const page = await (await confirmRelay.request(flow.authorizationUrl.slice(RELAY_URL.length))).text();
    const cancel = (/id="cancel" href="([^"]*)"/.exec(page)?.[1] ?? "").replaceAll("&amp;", "&");
    const delivered = await readDelivery(await confirmRelay.request(cancel.slice(RELAY_URL.length)));
    expect(delivered.mode).toBe("form_post");
    expect(delivered.fields).toMatchObject({ error: "access_denied", state: flow.state });
  });

  it("a confirm token is refused once the policy is allowlist", async () => {
    const flow = await startFlow(confirmRelay, { return_to: "https://unlisted.example.org/cb" });
    const strict = await makeRelay({ STATE_KEYS: confirmRelay.env.STATE_KEYS, RETURN_POLICY: "allowlist" });
    const response = await strict.request(flow.authorizationUrl.slice(RELAY_URL.length));
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });
});

describe("return_to is re-checked at callback time (policy tightened)", () => {
  const cases: Array<[string, Record<string, string | undefined>]> = [
    ["listed origin removed from RETURN_ORIGINS", { RETURN_ORIGINS: undefined, RETURN_POLICY: "allowlist" }],
    ["confirm → allowlist for an unlisted origin", { RETURN_POLICY: "allowlist" }],
  ];

  it.each(cases)("%s → 400, no redirect, no exchange", async (name, tightened) => {
    const returnTo = name.startsWith("listed")
      ? "https://qorus.acme.com/oauth2/relay"
      : "https://unlisted.example.org/cb";
    const before = await makeRelay({ RETURN_ORIGINS: ORIGINS });
    const flow = await startFlow(before, { return_to: returnTo, response_mode: "query" });
    // For the confirm case the provider URL (with the relay state) sits behind the confirm page.
    let relayState = flow.relayState;
    if (flow.authorizationUrl.startsWith(`${RELAY_URL}/v1/confirm`)) {
      const page = await (await before.request(flow.authorizationUrl.slice(RELAY_URL.length))).text();
      const href = (/id="continue" href="([^"]*)"/.exec(page)?.[1] ?? "").replaceAll("&amp;", "&");
      relayState = new URL(href).searchParams.get("state") ?? "";
    }
    const after = await makeRelay({ STATE_KEYS: before.env.STATE_KEYS, RETURN_ORIGINS: ORIGINS, ...tightened });
    const response = await after.request(`/v1/callback/dropbox?state=${relayState}&code=abc`);
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).not.toContain(new URL(returnTo).host);
    expect(after.upstream).toHaveLength(0);

    // Control: under the original policy the same callback is delivered (303, query mode).
    const control = await before.request(`/v1/callback/dropbox?state=${relayState}&error=access_denied`);
    expect(control.status).toBe(303);
  });
});
