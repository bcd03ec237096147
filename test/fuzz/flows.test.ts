/**
 * Property-based fuzzing of POST /v1/flows: structured bodies around the schema (every field valid,
 * hostile or missing, unknown fields, duplicate keys) and raw bodies under assorted content types.
 * Invariants: never a 5xx; only 201/400/413/415; a 201 only for a return_to the policy accepts, its
 * authorization_url always the provider's (an unlisted origin is confirmed after the provider, never
 * before it); the relay state never carries the return URL or nonce in clear; never an upstream
 * request; the security headers on every answer.
 */
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { checkReturnTo } from "../../src/flow/return-policy.js";
import {
  check,
  checkResponse,
  designDecision,
  FUZZ_RUNS,
  FUZZ_TIMEOUT,
  fuzzParams,
  hostileString,
  MINT_RETURNS,
  makeRelay,
  markerArb,
  newStateKeys,
  publicJwk,
  RELAY_URL,
  type Relay,
  stopwatch,
} from "./support.js";

const AUTHORIZE_PREFIXES = [
  "https://www.dropbox.com/oauth2/authorize?",
  "https://login.microsoftonline.com/",
  "https://as.acme.com/authorize?",
];

const hostileUrls = [
  "http://127.1/",
  "http://0x7f000001/",
  "http://2130706433/",
  "http://[::ffff:127.0.0.1]/",
  "https://a\\@evil.com/",
  "http://127.0.0.1%2f@evil.com/",
  "https://user:pw@qorus.acme.com/",
  "https://qorus.acme.com/#frag",
  "javascript:alert(1)",
  "data:text/html,<x-fuzz-1>",
  "qorus://cb",
  "http://evil.example/",
  "https://qorus.acme.com.evil.example/",
  "https://evil.example/?next=https://qorus.acme.com/",
  "https://QORUS.acme.com/",
  "https://qorus.acme.com:443/",
  "//qorus.acme.com/",
  "https://qorus.acme.com/\u0000",
  "https://qorus.acme.com/<x-fuzz-1>",
  `https://qorus.acme.com/${"a".repeat(500)}`,
  "http://localhost.evil.example/",
  "http://127.0.0.1.nip.io/",
];

const returnToArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...MINT_RETURNS) },
  { weight: 3, arbitrary: fc.constantFrom(...hostileUrls) },
  { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...MINT_RETURNS), hostileString(40))
      .map(([base, tail]) => `${base}${encodeURIComponent(tail)}`),
  },
  { weight: 1, arbitrary: hostileString(80) },
);

const nonceArb = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9\-_.~]{22,128}$/) },
  { weight: 1, arbitrary: hostileString(140) },
);

let x25519: Record<string, string>;
let p256: Record<string, string>;

function keyArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(x25519, p256) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { ...x25519, d: x25519.x },
        { ...p256, crv: "P-384" },
        { ...x25519, crv: "X448" },
        { ...x25519, x: "A".repeat(43) },
        { ...p256, y: p256.x },
        { ...x25519, alg: "ECDH-ES+A256KW" },
        { ...x25519, use: "sig" },
        { ...x25519, key_ops: ["deriveBits"] },
        { kty: "oct", k: "AAAA" },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    {
      weight: 1,
      arbitrary: fc
        .record({ kty: fc.constantFrom("OKP", "EC", "RSA"), crv: hostileString(8), x: hostileString(50) })
        .map((key) => key),
    },
  );
}

const scopeArb = fc.oneof(
  fc.constantFrom("files.content.read account_info.read", "read write", "User.Read", "files.x", "openid"),
  fc.constantFrom("Mail.ReadWrite", "https://evil.example/user_impersonation", "files..x", "read  write", "read%0a"),
  fc.constantFrom("https://org1.crm4.dynamics.com/user_impersonation", "https://a.b.crm.dynamics.com/.default"),
  hostileString(60),
);

const tenantArb = fc.oneof(
  fc.constantFrom("common", "contoso.onmicrosoft.com", "00000000-0000-0000-0000-000000000000", "../x", "a/b"),
  hostileString(40),
);

const paramsArb = fc.dictionary(
  fc.oneof(
    fc.constantFrom("prompt", "login_hint", "force_reapprove", "state", "redirect_uri", "__proto__"),
    hostileString(12),
  ),
  fc.oneof(fc.constantFrom("consent", "true", "user@example.com"), hostileString(40)),
  { maxKeys: 3 },
);

interface FlowInput {
  body: Record<string, unknown>;
  extra: Record<string, unknown>;
  duplicate: string | null;
}

const VALID_SCOPES: Record<string, string[]> = {
  dropbox: ["files.content.read account_info.read", "files.metadata.read", "openid"],
  microsoft: ["User.Read", "Files.Read offline_access", "https://org1.crm4.dynamics.com/user_impersonation"],
  acme: ["read", "read write", "files.x"],
};

/** A body that passes the schema: the fuzzer starts here and mutates, so both outcomes are common. */
function validBodyArb(): fc.Arbitrary<Record<string, unknown>> {
  const nonce = fc.stringMatching(/^[A-Za-z0-9\-_.~]{22,60}$/);
  const byApp = new Map(
    ["dropbox", "microsoft", "acme"].map((app) => [
      app,
      fc.record(
        {
          app: fc.constant(app),
          return_to: fc.constantFrom(...MINT_RETURNS),
          state: nonce,
          key: fc.constant(x25519),
          scope: fc.constantFrom(...(VALID_SCOPES[app] ?? [])),
          tenant: fc.constant(app === "microsoft" ? "contoso.onmicrosoft.com" : undefined),
          response_mode: fc.constantFrom("form_post", "query", "fragment"),
          params: fc.constant(
            app === "acme" ? { prompt: "consent" } : app === "microsoft" ? { login_hint: "a@b.c" } : {},
          ),
        },
        { requiredKeys: ["app", "return_to", "state", "key"] },
      ),
    ]),
  );
  return fc.oneof(...[...byApp.values()]);
}

const FIELDS = ["app", "return_to", "state", "key", "scope", "tenant", "response_mode", "params"] as const;

function hostileFieldArb(field: (typeof FIELDS)[number]): fc.Arbitrary<unknown> {
  switch (field) {
    case "app":
      return hostileString(20);
    case "return_to":
      return returnToArb;
    case "state":
      return nonceArb;
    case "key":
      return keyArb();
    case "scope":
      return scopeArb;
    case "tenant":
      return tenantArb;
    case "response_mode":
      return hostileString(12);
    case "params":
      return fc.oneof(paramsArb, fc.jsonValue({ maxDepth: 1 }));
  }
}

/** Valid body with one to three fields replaced by hostile values, deleted, or retyped. */
function mutatedBodyArb(): fc.Arbitrary<Record<string, unknown>> {
  const byField = new Map(
    FIELDS.map((field) => [
      field,
      fc.tuple(
        fc.constant(field),
        fc.oneof(
          { weight: 4, arbitrary: hostileFieldArb(field) },
          { weight: 1, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
        ),
      ),
    ]),
  );
  const mutation = fc.oneof(...byField.values());
  return fc.tuple(validBodyArb(), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([body, mutations]) => {
    const out: Record<string, unknown> = { ...body };
    for (const [field, value] of mutations) {
      if (value === undefined) delete out[field];
      else out[field] = value;
    }
    return out;
  });
}

function randomBodyArb(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      app: fc.oneof({ weight: 5, arbitrary: fc.constantFrom("dropbox", "microsoft", "acme") }, hostileString(20)),
      return_to: returnToArb,
      state: nonceArb,
      key: keyArb(),
      scope: scopeArb,
      tenant: tenantArb,
      response_mode: fc.oneof(fc.constantFrom("form_post", "query", "fragment"), hostileString(12)),
      params: paramsArb,
    },
    { requiredKeys: [] },
  );
}

function flowArb(): fc.Arbitrary<FlowInput> {
  return fc.record({
    body: fc.oneof(
      { weight: 2, arbitrary: validBodyArb() },
      { weight: 5, arbitrary: mutatedBodyArb() },
      { weight: 3, arbitrary: randomBodyArb() },
    ),
    extra: fc.oneof(
      { weight: 12, arbitrary: fc.constant({}) },
      {
        weight: 1,
        arbitrary: fc.dictionary(
          fc.oneof(fc.constantFrom("token_endpoint", "issuer", "authorization_endpoint", "code_verifier"), markerArb),
          fc.jsonValue({ maxDepth: 1 }),
          { minKeys: 1, maxKeys: 2 },
        ),
      },
    ),
    duplicate: fc.oneof(
      { weight: 12, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom("app", "return_to", "state", "key") },
    ),
  });
}

function serialize(input: FlowInput): string {
  let text = JSON.stringify({ ...input.body, ...input.extra });
  if (input.duplicate !== null && text.length > 2) {
    text = `${text.slice(0, -1)}${text.length > 2 ? "," : ""}"${input.duplicate}":"dup"}`;
  }
  return text;
}

describe("fuzz POST /v1/flows", () => {
  let confirm: Relay;
  let allowlist: Relay;

  beforeAll(async () => {
    x25519 = await publicJwk("X25519");
    p256 = await publicJwk("P-256");
    const keys = newStateKeys();
    confirm = await makeRelay(keys);
    allowlist = await makeRelay(keys, { RETURN_POLICY: "allowlist" });
  }, FUZZ_TIMEOUT);

  it(
    `structured bodies (${FUZZ_RUNS} cases): 201 only for acceptable return_to, never 5xx, no upstream`,
    async () => {
      const elapsed = stopwatch();
      let created = 0;
      await fc.assert(
        fc.asyncProperty(flowArb(), fc.boolean(), async (input, useAllowlist) => {
          const relay = useAllowlist ? allowlist : confirm;
          const response = await relay.app.request("/v1/flows", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: serialize(input),
          });
          const text = await checkResponse(response);
          check([201, 400]).toContain(response.status);
          check(relay.upstream.calls).toHaveLength(0);
          check(response.headers.get("location")).toBeNull();
          const json = JSON.parse(text) as Record<string, unknown>;
          if (response.status !== 201) {
            check(typeof json.error).toBe("string");
            check(typeof json.error_description).toBe("string");
            return;
          }
          created += 1;
          const returnTo = String(input.body.return_to);
          const decision = checkReturnTo(returnTo, relay.config.returnPolicy, relay.config.returnOrigins);
          check(decision.kind).not.toBe("refused");
          // …and an independent reading of the protocol agrees (so return-policy.ts cannot vouch for itself).
          check(designDecision(returnTo, relay.config.returnPolicy), returnTo).toBe(decision.kind);
          check(input.duplicate).toBeNull();
          check(Object.keys(input.extra)).toHaveLength(0);
          const url = String(json.authorization_url);
          check(AUTHORIZE_PREFIXES.some((prefix) => url.startsWith(prefix))).toBe(true);
          check(typeof json.issuer === "string" && json.issuer === RELAY_URL).toBe(true);
          // The state is encrypted: neither the return URL nor the nonce travels in clear.
          check(url.includes(encodeURIComponent(returnTo))).toBe(false);
          check(url.includes(String(input.body.state))).toBe(false);
        }),
        fuzzParams(1),
      );
      console.log(`fuzz flows structured: ${FUZZ_RUNS} cases, ${created} created, ${elapsed()}`);
      // The generator must actually reach the success path, or the property proves little.
      check(created).toBeGreaterThan(FUZZ_RUNS / 10);
    },
    FUZZ_TIMEOUT,
  );

  it(
    `raw bodies and content types (${FUZZ_RUNS} cases): only 400/413/415, never 5xx`,
    async () => {
      const elapsed = stopwatch();
      const bodyArb = fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? ""),
        fc.constantFrom("{", '{"app":', "[", "null", '{"__proto__":{"x":1}}', '{"a":1,"a":2}', "\uFEFF{}"),
        fc.nat({ max: 40_000 }).map((n) => `{"app":"${"a".repeat(n)}"}`),
      );
      const typeArb = fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
        "application/jsonx",
      );
      await fc.assert(
        fc.asyncProperty(bodyArb, typeArb, async (body, type) => {
          const headers: Record<string, string> = type === "" ? {} : { "content-type": type };
          const response = await confirm.app.request("/v1/flows", { method: "POST", headers, body });
          await checkResponse(response);
          check([400, 413, 415]).toContain(response.status);
          check(confirm.upstream.calls).toHaveLength(0);
        }),
        fuzzParams(2),
      );
      console.log(`fuzz flows raw: ${FUZZ_RUNS} cases, ${elapsed()}`);
    },
    FUZZ_TIMEOUT,
  );
});
