/** docs/SECURITY.md S12-S14, S16, S19, S21: POST /v1/flows input validation. */
import { beforeAll, describe, expect, it } from "vitest";
import { newInstanceKey, newInstanceState } from "../harness/instance.js";
import { instanceKey, LOOPBACK_RETURN, makeRelay, postJson, startFlow, type TestRelay } from "./helpers.js";

let relay: TestRelay;
beforeAll(async () => {
  relay = await makeRelay();
});

async function flow(body: Record<string, unknown>, raw?: string) {
  const key = await instanceKey();
  const init = raw
    ? { method: "POST", headers: { "content-type": "application/json" }, body: raw }
    : postJson({ app: "dropbox", return_to: LOOPBACK_RETURN, state: newInstanceState(), key: key.publicJwk, ...body });
  const response = await relay.request("/v1/flows", init);
  const json = (await response.json()) as { error?: string; error_description?: string; authorization_url?: string };
  return { status: response.status, location: response.headers.get("location"), ...json };
}

const zeros = Buffer.alloc(32).toString("base64url");

describe("instance key", () => {
  const cases: Array<[string, () => Promise<Record<string, unknown>>, RegExp]> = [
    ["private X25519 JWK (d)", async () => ({ ...(await newInstanceKey("X25519")).publicJwk, d: zeros }), /private/],
    ["private P-256 JWK (d)", async () => ({ ...(await newInstanceKey("P-256")).publicJwk, d: zeros }), /private/],
    [
      "off-curve P-256 point",
      async () => ({
        kty: "EC",
        crv: "P-256",
        x: Buffer.alloc(32, 1).toString("base64url"),
        y: Buffer.alloc(32, 2).toString("base64url"),
      }),
      /usable public key/,
    ],
    ["all-zero X25519", async () => ({ kty: "OKP", crv: "X25519", x: zeros }), /usable public key/],
    ["X448", async () => ({ kty: "OKP", crv: "X448", x: Buffer.alloc(56, 9).toString("base64url") }), /X25519/],
    ["P-384", async () => ({ kty: "EC", crv: "P-384", x: zeros, y: zeros }), /P-256/],
    ["RSA", async () => ({ kty: "RSA", n: "AQAB", e: "AQAB" }), /X25519|P-256/],
    ["oct without alg dir", async () => ({ kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") }), /alg.*dir/],
    ["oct with alg A256KW", async () => ({ kty: "oct", k: zeros, alg: "A256KW" }), /alg.*dir/],
    [
      "oct key of 16 bytes",
      async () => ({ kty: "oct", k: Buffer.alloc(16, 7).toString("base64url"), alg: "dir" }),
      /43/,
    ],
    [
      "oct key of 33 bytes",
      async () => ({ kty: "oct", k: Buffer.alloc(33, 7).toString("base64url"), alg: "dir" }),
      /43/,
    ],
    ["oct key all zero bytes", async () => ({ kty: "oct", k: zeros, alg: "dir" }), /all equal/],
    [
      "oct key all equal bytes",
      async () => ({ kty: "oct", k: Buffer.alloc(32, 0xab).toString("base64url"), alg: "dir" }),
      /all equal/,
    ],
    ["short x", async () => ({ kty: "OKP", crv: "X25519", x: "AAAA" }), /43/],
    ["alg other than ECDH-ES", async () => ({ ...(await newInstanceKey()).publicJwk, alg: "RSA-OAEP" }), /ECDH-ES/],
    ["use sig", async () => ({ ...(await newInstanceKey()).publicJwk, use: "sig" }), /enc/],
    ["key_ops", async () => ({ ...(await newInstanceKey()).publicJwk, key_ops: ["deriveBits"] }), /key_ops/],
    ["not an object", async () => ({}) as Record<string, unknown>, /X25519|P-256|kty/],
    ["a string", async () => "AAAA" as unknown as Record<string, unknown>, /^key: must be an X25519 .* or P-256 /],
    ["a list", async () => [] as unknown as Record<string, unknown>, /^key: must be an X25519 .* or P-256 /],
    ["missing", async () => undefined as unknown as Record<string, unknown>, /^key: is required$/],
    ["kty of another case", async () => ({ kty: "okp", crv: "X25519", x: zeros }), /^key: must be an X25519 /],
    [
      "an unknown member on an oct key",
      async () => ({ kty: "oct", k: Buffer.alloc(32, 7).toString("base64url"), alg: "dir", x5c: [] }),
      /^key: unknown field: x5c$/,
    ],
    [
      "private oct-looking member on EC",
      async () => ({ kty: "EC", crv: "P-256", x: zeros, y: zeros, k: zeros }),
      /private/,
    ],
    [
      "short y names the member",
      async () => ({ kty: "EC", crv: "P-256", x: zeros, y: "AAAA" }),
      /^key\.y: must be 43 /,
    ],
  ];

  it.each(cases)("%s → 400", async (_name, make, description) => {
    const result = await flow({ key: await make() });
    expect(result.status).toBe(400);
    expect(result.error).toBe("invalid_request");
    expect(result.error_description).toMatch(/^key/);
    expect(result.error_description).toMatch(description);
    expect(result.location).toBeNull();
  });

  it("X25519 and P-256 public keys, and a random 32-byte oct key with alg dir, are accepted", async () => {
    for (const type of ["X25519", "P-256", "oct"] as const) {
      expect((await flow({ key: (await newInstanceKey(type)).publicJwk })).status).toBe(201);
    }
  });
});

describe("scopes", () => {
  const refused: Array<[string, string]> = [
    ["ms", "https://graph.microsoft.com/Mail.ReadWrite"],
    ["ms", "https://evil.example/user_impersonation"],
    ["ms", "User.Read%0aMail.Read"],
    ["ms", "User.Read\nMail.Read"],
    ["ms", "Files..Read"],
    ["ms", "https://contoso.crm4.dynamics.com/../user_impersonation"],
    ["ms", "https://evil.example/.crm4.dynamics.com/user_impersonation"],
    ["ms", "https://contoso.crm4.dynamics.com.evil.example/user_impersonation"],
    ["ms", "https://contoso.crm4.dynamics.com/Mail.Read"],
    ["ms", "User.Read  Files.Read"],
    ["ms", "User.Read User.Read"],
    ["ms", 'User.Read"'],
    ["dropbox", "team_data.member"],
    ["dropbox", "files.content.read account_info.write%20x"],
  ];

  it.each(refused)("%s: %s → 400 invalid_scope", async (app, scope) => {
    const result = await flow({ app, scope });
    expect(result.status).toBe(400);
    expect(result.error).toBe("invalid_scope");
    expect(result.error_description).toMatch(/^scope: /);
  });

  const accepted: Array<[string, string]> = [
    ["ms", "https://contoso.crm4.dynamics.com/user_impersonation"],
    ["ms", "https://contoso.crm.dynamics.com/.default offline_access"],
    ["ms", "openid profile email User.Read Files.ReadWrite.All Sites.Read.All"],
    ["dropbox", "files.content.read account_info.read"],
  ];

  it.each(accepted)("%s: %s → 201, scope passed to the provider as given", async (app, scope) => {
    const result = await flow({ app, scope });
    expect(result.status).toBe(201);
    const sent = new URL(result.authorization_url ?? "").searchParams.get("scope") ?? "";
    for (const token of scope.split(" ")) expect(sent.split(" ")).toContain(token);
  });
});

describe("request shape", () => {
  it.each([
    ["token_endpoint", { token_endpoint: "https://evil.example/token" }],
    ["authorization_endpoint", { authorization_endpoint: "https://evil.example/authorize" }],
    ["issuer", { issuer: "https://evil.example" }],
    ["redirect_uri", { redirect_uri: "https://evil.example/cb" }],
    ["code_verifier", { code_verifier: "a".repeat(43) }],
    ["client_secret", { client_secret: "x" }],
    ["unknown field", { extra: 1 }],
  ])("%s in the body → 400 naming the field", async (name, extra) => {
    const result = await flow(extra);
    expect(result.status).toBe(400);
    expect(result.error_description).toContain(name === "unknown field" ? "extra" : name);
    expect(relay.upstream).toHaveLength(0);
  });

  it.each([
    ["app", { app: undefined }, "app: is required"],
    ["return_to", { return_to: undefined }, "return_to: is required"],
    ["state", { state: undefined }, "state: is required"],
    ["a wrong type", { app: 1 }, "app: must be a string"],
  ])("a missing field is named: %s", async (_name, body, description) => {
    const result = await flow(body);
    expect(result.status).toBe(400);
    expect(result.error_description).toBe(description);
  });

  it("duplicate JSON keys → 400 (JSON.parse would keep the last)", async () => {
    const key = await instanceKey();
    const raw = `{"app":"dropbox","return_to":"${LOOPBACK_RETURN}","return_to":"https://evil.example/","state":"${newInstanceState()}","key":${JSON.stringify(key.publicJwk)}}`;
    const result = await flow({}, raw);
    expect(result.status).toBe(400);
    expect(result.error_description).toContain('"return_to" appears more than once');
  });

  it("duplicate keys inside the JWK → 400", async () => {
    const key = await instanceKey();
    const jwk = JSON.stringify(key.publicJwk).replace("{", '{"x":"AAAA",');
    const raw = `{"app":"dropbox","return_to":"${LOOPBACK_RETURN}","state":"${newInstanceState()}","key":${jwk}}`;
    expect((await flow({}, raw)).status).toBe(400);
  });

  it.each([
    ["state too short", { state: "a".repeat(21) }],
    ["state too long", { state: "a".repeat(129) }],
    ["state with /", { state: `${"a".repeat(30)}/` }],
    ["unknown app", { app: "nope" }],
    ["params not allowed by the profile", { params: { redirect_uri: "https://evil.example" } }],
    ["params: prompt on Dropbox", { params: { prompt: "none" } }],
    ["tenant on Dropbox", { tenant: "common" }],
    ["bad Microsoft tenant", { app: "ms", tenant: "../evil" }],
    ["response_mode not offered", { response_mode: "web_message" }],
    ["app of the wrong type", { app: 1 }],
  ])("%s → 400", async (_name, body) => {
    const result = await flow(body);
    expect(result.status).toBe(400);
    expect(result.error_description?.length).toBeGreaterThan(5);
  });

  it.each([
    [
      "a variable the server does not have",
      { app: "netsuite", vars: { account_id: "1234567", tenant: "x" } },
      /^vars\.tenant: not a variable of Oracle NetSuite \(it has: account_id\)/,
    ],
    [
      "variables on a server without any",
      { vars: { tenant: "common" } },
      /^vars\.tenant: Dropbox takes no template variables/,
    ],
    [
      "a required variable missing",
      { app: "netsuite" },
      /^vars\.account_id: required for Oracle NetSuite \(example: 1234567-sb1\)/,
    ],
    [
      "a host in a variable",
      { app: "netsuite", vars: { account_id: "evil.com/x" } },
      /^vars\.account_id: "evil\.com\/x" is not a valid account_id/,
    ],
    ["user-info in a variable", { app: "netsuite", vars: { account_id: "a@evil" } }, /is not a valid account_id/],
    ["a fragment in a variable", { app: "netsuite", vars: { account_id: "123#x" } }, /is not a valid account_id/],
    [
      "an encoded slash in a variable",
      { app: "netsuite", vars: { account_id: "123%2Fx" } },
      /is not a valid account_id/,
    ],
    ["dot-dot in a tenant", { app: "ms", vars: { tenant: "a..b" } }, /^vars\.tenant: /],
    [
      "an operator-only variable",
      { app: "gitlab", vars: { host: "gitlab.evil.example" } },
      /^vars\.host: set by the relay operator/,
    ],
    [
      "tenant and vars.tenant disagreeing",
      { app: "ms", tenant: "common", vars: { tenant: "consumers" } },
      /^tenant: also given as vars\.tenant/,
    ],
    [
      "more than 8 variables",
      { app: "ms", vars: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`v${i}`, "x"])) },
      /^vars: at most 8 variables/,
    ],
    ["an empty variable value", { app: "ms", vars: { tenant: "" } }, /^vars\.tenant: must be at least 1 characters/],
  ])("template variables: %s → 400 saying which, no URL", async (_name, body, description) => {
    const before = relay.upstream.length;
    const result = await flow(body);
    expect(result.status).toBe(400);
    expect(result.error).toBe("invalid_request");
    expect(result.error_description).toMatch(description);
    expect(result.authorization_url).toBeUndefined();
    expect(relay.upstream.length).toBe(before);
  });

  it("template variables: per flow they fill the endpoint; the operator's GitLab host is used", async () => {
    const netsuite = await startFlow(relay, { app: "netsuite", vars: { account_id: "1234567-sb1" } });
    expect(new URL(netsuite.authorizationUrl).host).toBe("1234567-sb1.app.netsuite.com");
    const gitlab = await startFlow(relay, { app: "gitlab" });
    expect(new URL(gitlab.authorizationUrl).host).toBe("gitlab.com");
    const tenant = await startFlow(relay, { app: "ms", vars: { tenant: "contoso.com" }, scope: "User.Read" });
    expect(new URL(tenant.authorizationUrl).pathname).toBe("/contoso.com/oauth2/v2.0/authorize");
  });

  it.each([
    ["Graph and a Dynamics environment", "User.Read https://contoso.crm4.dynamics.com/user_impersonation"],
    ["two Dynamics environments", "https://a.crm.dynamics.com/.default https://b.crm4.dynamics.com/.default"],
    [
      "Graph by URL and a Dynamics environment",
      "https://graph.microsoft.com/Files.Read https://a.crm.dynamics.com/.default",
    ],
  ])("Microsoft: %s in one flow → 400 invalid_scope before the user signs in", async (_name, scope) => {
    const result = await flow({ app: "ms", scope });
    expect(result.status).toBe(400);
    expect(result.error).toBe("invalid_scope");
    expect(result.error_description).toMatch(/one resource per request.*start one flow per resource/);
  });

  it("Microsoft: one resource plus OpenID scopes is fine, by URL or bare", async () => {
    for (const scope of [
      "openid profile email User.Read https://graph.microsoft.com/Files.Read",
      "openid https://a.crm4.dynamics.com/user_impersonation",
    ]) {
      expect((await flow({ app: "ms", scope })).status, scope).toBe(201);
    }
  });

  it("not JSON → 400; wrong content type → 415; GET → 404/405", async () => {
    expect((await flow({}, "{not json")).status).toBe(400);
    const wrongType = await relay.request("/v1/flows", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(wrongType.status).toBe(415);
    for (const type of ["application/jsonx", "application/json-patch+json", "text/json"]) {
      const near = await relay.request("/v1/flows", { method: "POST", headers: { "content-type": type }, body: "{}" });
      expect(near.status, type).toBe(415);
    }
    const withCharset = await relay.request("/v1/flows", {
      method: "POST",
      headers: { "content-type": "Application/JSON; charset=utf-8" },
      body: "{}",
    });
    expect(withCharset.status).toBe(400);
    const get = await relay.request("/v1/flows?state=x");
    expect([404, 405]).toContain(get.status);
  });
});

describe("authorization request", () => {
  it("response_type=code, the one redirect_uri, a fresh S256 challenge each of 1,000 times, fixed params win", async () => {
    const challenges = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { authorizationUrl } = await startFlow(relay, { app: "dropbox", params: { locale: "de" } });
      const q = new URL(authorizationUrl).searchParams;
      expect(q.get("response_type")).toBe("code");
      expect(q.get("redirect_uri")).toBe("https://relay.example.test/v1/callback/dropbox");
      expect(q.get("code_challenge_method")).toBe("S256");
      expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(q.get("token_access_type")).toBe("offline");
      expect(q.get("locale")).toBe("de");
      challenges.add(q.get("code_challenge") ?? "");
    }
    expect(challenges.size).toBe(1000); // docs/SECURITY.md S16: 1,000 starts, 1,000 distinct verifiers
  });

  it("Microsoft: response_mode=form_post and offline_access always, tenant in the path", async () => {
    const { authorizationUrl } = await startFlow(relay, { app: "ms", scope: "User.Read", tenant: "contoso.com" });
    const url = new URL(authorizationUrl);
    expect(url.pathname).toBe("/contoso.com/oauth2/v2.0/authorize");
    expect(url.searchParams.get("response_mode")).toBe("form_post");
    expect(url.searchParams.get("scope")?.split(" ")).toContain("offline_access");
  });
});

describe("GET /v1/apps", () => {
  it("lists what an instance may set per flow: variables (not the operator's), params, the redirect URI", async () => {
    const response = await relay.request("/v1/apps");
    expect(response.status).toBe(200);
    const { apps } = (await response.json()) as { apps: Array<Record<string, unknown>> };
    const byId = Object.fromEntries(apps.map((app) => [app.id, app]));
    expect(byId.netsuite).toMatchObject({
      server: "netsuite",
      redirect_uri: "https://relay.example.test/v1/callback/netsuite",
      vars: { account_id: { required: true, default: null, example: "1234567-sb1" } },
      tenant: { required: false, default: null },
    });
    expect(byId.ms).toMatchObject({
      vars: { tenant: { required: false, default: "organizations" } },
      tenant: { required: false, default: "organizations" },
      params: ["prompt", "login_hint", "domain_hint"],
    });
    // GitLab's host is the operator's alone: not offered to instances.
    expect(byId.gitlab?.vars).toEqual({});
    expect(byId.dropbox?.vars).toEqual({});
  });
});
