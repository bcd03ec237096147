/** docs/SECURITY.md S44-S47: return_to syntax, RETURN_ORIGINS, confirm vs allowlist, re-check at callback. */
import { beforeAll, describe, expect, it } from "vitest";
import { answerConfirmation, newInstanceState, readConfirmation, readDelivery } from "../harness/instance.js";
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

/**
 * What becomes of a return_to: refused at POST /v1/flows, or — seen at the callback, since the
 * authorization URL is always the provider's — delivered directly, or held for the user's
 * confirmation on the relay's page.
 */
async function outcome(relay: TestRelay, response: Response): Promise<Expected> {
  const body = (await response.json()) as { authorization_url?: string; error_description?: string };
  if (response.status === 400) {
    expect(body.error_description).toMatch(/^return_to: /);
    return "refused";
  }
  expect(response.status).toBe(201);
  const providerUrl = new URL(body.authorization_url ?? "");
  expect(providerUrl.origin).toBe("https://www.dropbox.com");
  const state = providerUrl.searchParams.get("state") ?? "";
  const callback = await relay.request(`/v1/callback/dropbox?state=${state}&error=access_denied`);
  if (callback.status === 303) return "direct";
  const html = await callback.text();
  expect(callback.status).toBe(200);
  if (html.includes(`action="${RELAY_URL}/v1/confirm"`)) return "confirm";
  expect(html).toContain('name="error" value="access_denied"');
  return "direct";
}

describe("return_to table", () => {
  it.each(TABLE)("policy confirm: %s → %s", async (returnTo, expected) => {
    expect(await outcome(confirmRelay, await postFlow(confirmRelay, returnTo))).toBe(expected);
  });

  it.each(TABLE)("policy allowlist: %s", async (returnTo, expected) => {
    expect(await outcome(allowlistRelay, await postFlow(allowlistRelay, returnTo))).toBe(
      expected === "confirm" ? "refused" : expected,
    );
  });

  it("a refusal explains itself without a redirect", async () => {
    const response = await postFlow(confirmRelay, "http://0x7f000001/");
    expect(response.headers.get("location")).toBeNull();
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error: "invalid_request", error_description: expect.stringContaining("canonical") });
  });
});

describe("the confirmation (policy confirm, unlisted https origin), after the provider", () => {
  async function confirmationFor(returnTo: string, params: Record<string, string> = { code: "any-code" }) {
    const flow = await startFlow(confirmRelay, { return_to: returnTo, response_mode: "query" });
    const response = await confirmRelay.request(
      `/v1/callback/dropbox?${new URLSearchParams({ state: flow.relayState, ...params })}`,
    );
    return { flow, response };
  }

  it("is a non-frameable page with one POST form to the relay, no script, the origin whole", async () => {
    const { response } = await confirmationFor("https://other.example.org/cb");
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`form-action ${RELAY_URL}`);
    expect(csp).not.toContain("script-src");
    const confirmation = await readConfirmation(response);
    expect(confirmation.html).not.toContain("<script");
    expect(confirmation.text).toContain("Send your Dropbox access to https://other.example.org?");
    // Whole: each piece unbreakable, breaks only after "https://", "other." and "example." — never "oth|er".
    expect(confirmation.html).toContain(
      "<span>https://</span><wbr><span>other.</span><wbr><span>example.</span><wbr><span>org</span><wbr>",
    );
    expect(confirmation.html).toMatch(/name="decision" value="send"[\s\S]*name="decision" value="cancel"/);
    expect(confirmRelay.upstream).toHaveLength(0);
  });

  it("shows an IDN origin in its punycode form, as the WHATWG serialization has it", async () => {
    const { response } = await confirmationFor("https://xn--bcher-kva.example/cb");
    expect((await readConfirmation(response)).text).toContain("https://xn--bcher-kva.example");
  });

  it("a provider error goes through the same page; Send then delivers it, Cancel delivers nothing", async () => {
    const { flow, response } = await confirmationFor("https://other.example.org/cb", {
      error: "access_denied",
      error_description: "no",
    });
    const confirmation = await readConfirmation(response);
    expect(confirmation.text).toContain("Tell https://other.example.org that the Dropbox sign-in did not complete?");
    const sent = await readDelivery(await answerConfirmation(confirmRelay, confirmation, "send"));
    expect(sent.fields).toEqual({ error: "access_denied", error_description: "no", state: flow.state });
    const again = await confirmationFor("https://other.example.org/cb", { error: "access_denied" });
    const cancelled = await answerConfirmation(confirmRelay, await readConfirmation(again.response), "cancel");
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get("location")).toBeNull();
    expect(await cancelled.text()).toContain("Nothing was sent to https://other.example.org");
    expect(confirmRelay.upstream).toHaveLength(0);
  });

  it("Send after the policy became allowlist: refused, nothing exchanged or sent", async () => {
    const { response } = await confirmationFor("https://other.example.org/cb");
    const confirmation = await readConfirmation(response);
    const strict = await makeRelay({ STATE_KEYS: confirmRelay.env.STATE_KEYS, RETURN_POLICY: "allowlist" });
    const sent = await answerConfirmation(strict, confirmation, "send");
    expect(sent.status).toBe(400);
    expect(sent.headers.get("location")).toBeNull();
    expect(strict.upstream).toHaveLength(0);
  });

  it("GET /v1/confirm (the old interstitial's links) answers 405 and redirects nowhere", async () => {
    const response = await confirmRelay.request("/v1/confirm?state=abc&action=cancel");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
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
    const relayState = flow.relayState;
    const after = await makeRelay({ STATE_KEYS: before.env.STATE_KEYS, RETURN_ORIGINS: ORIGINS, ...tightened });
    const response = await after.request(`/v1/callback/dropbox?state=${relayState}&code=abc`);
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).not.toContain(new URL(returnTo).host);
    expect(after.upstream).toHaveLength(0);

    // Control: under the original policy the same callback is delivered (303, query mode), or for
    // the unlisted origin held for confirmation (200). (A fresh state: each is good for one callback.)
    const fresh = await startFlow(before, { return_to: returnTo, response_mode: "query" });
    const control = await before.request(`/v1/callback/dropbox?state=${fresh.relayState}&error=access_denied`);
    expect(control.status).toBe(name.startsWith("listed") ? 303 : 200);
  });
});
