/**
 * Property-based fuzzing of POST /v1/token/<app> (refresh): structured form bodies around the schema
 * (grant types, refresh tokens, scopes, tenants, client ids, unknown and repeated parameters), raw
 * bodies and content types, with the fake token endpoint answering anything.
 * Invariants: a 5xx only when the provider itself answered (502/504 for faults, or the provider's
 * own JSON status, docs/PROTOCOL.md §3.5); at most one upstream request, only for a well-formed refresh grant,
 * always to the configured token endpoint with no query string; the client secret never in the
 * answer; non-JSON upstream bodies never passed through; the security headers on every answer.
 */
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import {
  ACME_TOKEN_ENDPOINT,
  check,
  checkResponse,
  FUZZ_RUNS,
  FUZZ_TIMEOUT,
  fuzzParams,
  hostileString,
  makeRelay,
  markerArb,
  newStateKeys,
  type Relay,
  SECRETS,
  stopwatch,
  tokenResponse,
  upstreamAnswerArb,
} from "./support.js";

const TOKEN_ENDPOINTS: Record<string, (tenant: string) => string> = {
  dropbox: () => "https://api.dropboxapi.com/oauth2/token",
  microsoft: (tenant) => `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
  acme: () => ACME_TOKEN_ENDPOINT,
};

describe("fuzz POST /v1/token/<app>", () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await makeRelay(newStateKeys());
  }, FUZZ_TIMEOUT);

  const VALID: Record<string, { scope: string[]; tenant: string[]; client: string }> = {
    dropbox: {
      scope: ["files.content.read", "account_info.read files.metadata.read"],
      tenant: [],
      client: "dbx-client",
    },
    microsoft: {
      scope: ["User.Read", "Files.Read offline_access"],
      tenant: ["common", "contoso.onmicrosoft.com"],
      client: "ms-client",
    },
    acme: { scope: ["read", "read write"], tenant: [], client: "acme-client" },
  };

  const hostileFields: Record<string, fc.Arbitrary<string>> = {
    grant_type: fc.oneof(
      fc.constantFrom("authorization_code", "client_credentials", "password", "REFRESH_TOKEN", ""),
      hostileString(20),
    ),
    refresh_token: fc.oneof(hostileString(100), fc.constantFrom("", "r".repeat(16385), "a\nb", "\u0000")),
    scope: fc.oneof(
      fc.constantFrom("Mail.ReadWrite", "read  write", " read", "files..x", "User.Read"),
      hostileString(40),
    ),
    tenant: fc.oneof(fc.constantFrom("common", "../evil", "evil.example/x", "a".repeat(300)), hostileString(30)),
    client_id: fc.oneof(fc.constantFrom("dbx-client", "ms-client", "other"), hostileString(20)),
  };

  /** Well-formed refresh requests for the app, then zero to two fields replaced, dropped or added. */
  const fieldsFor = (app: string): fc.Arbitrary<Record<string, string | undefined>> => {
    const valid = VALID[app] ?? { scope: ["x"], tenant: [], client: "x" };
    const base = fc.record(
      {
        grant_type: fc.constant("refresh_token"),
        refresh_token: fc.stringMatching(/^[\x20-\x7E]{1,100}$/),
        scope: fc.constantFrom(...valid.scope),
        tenant: valid.tenant.length > 0 ? fc.constantFrom(...valid.tenant) : fc.constant(undefined),
        client_id: fc.constant(valid.client),
      },
      { requiredKeys: ["grant_type", "refresh_token"] },
    );
    const mutation = fc.oneof(
      ...Object.entries(hostileFields).map(([field, arb]) =>
        fc.tuple(fc.constant(field), fc.oneof(arb, fc.constant(undefined))),
      ),
    );
    return fc.tuple(base, fc.array(mutation, { maxLength: 2 })).map(([fields, mutations]) => {
      const out: Record<string, string | undefined> = { ...fields };
      for (const [field, value] of mutations) out[field] = value;
      return out;
    });
  };

  // Built once per app: fast-check arbitraries are costly to construct inside chain().
  const fieldsByApp = new Map(["dropbox", "microsoft", "acme", "unknown"].map((app) => [app, fieldsFor(app)]));
  const caseArb = fc
    .oneof(
      { weight: 8, arbitrary: fc.constantFrom("dropbox", "microsoft", "acme") },
      { weight: 1, arbitrary: fc.constantFrom("unknown", "%3Cx-fuzz-1%3E", "DROPBOX") },
    )
    .chain((app) =>
      fc.record({
        app: fc.constant(app),
        fields: fieldsByApp.get(app) ?? fieldsFor(app),
        extra: fc.oneof(
          { weight: 8, arbitrary: fc.constant([] as Array<[string, string]>) },
          {
            weight: 1,
            arbitrary: fc.array(
              fc.tuple(
                fc.oneof(
                  fc.constantFrom("grant_type", "refresh_token", "client_secret", "token_endpoint", "redirect_uri"),
                  markerArb,
                ),
                hostileString(30),
              ),
              { minLength: 1, maxLength: 2 },
            ),
          },
        ),
        contentType: fc.oneof(
          { weight: 8, arbitrary: fc.constant("application/x-www-form-urlencoded") },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              "application/json",
              "text/plain",
              "",
              "application/x-www-form-urlencoded;charset=utf-8",
            ),
          },
        ),
        answer: upstreamAnswerArb,
      }),
    );

  it(
    `structured refresh requests (${FUZZ_RUNS} cases)`,
    async () => {
      const elapsed = stopwatch();
      const tally = { forwarded: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(caseArb, async (input) => {
          relay.upstream.calls.length = 0;
          relay.records.length = 0;
          relay.upstream.next = input.answer;
          const pairs: Array<[string, string]> = [
            ...Object.entries(input.fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
            ...input.extra,
          ];
          const headers: Record<string, string> = input.contentType === "" ? {} : { "content-type": input.contentType };
          const response = await relay.app.request(`/v1/token/${input.app}`, {
            method: "POST",
            headers,
            body: new URLSearchParams(pairs).toString(),
          });
          const calls = relay.upstream.calls.length;
          const text = await checkResponse(response, { allow5xx: calls === 1 });
          check(calls).toBeLessThanOrEqual(1);
          check(response.headers.get("location")).toBeNull();
          check(response.headers.get("content-type") ?? "").toMatch(/^application\/json/);
          const json = JSON.parse(text) as Record<string, unknown>;
          if (calls === 0) {
            tally.refused += 1;
            check(response.status).toBeGreaterThanOrEqual(400);
            check(response.status).toBeLessThan(500);
            check(typeof json.error).toBe("string");
            return;
          }
          tally.forwarded += 1;
          // Only a well-formed refresh grant reaches the provider, with one value per parameter.
          const count = (name: string) => pairs.filter(([key]) => key === name).length;
          check(count("grant_type")).toBe(1);
          check(count("refresh_token")).toBe(1);
          check(input.fields.grant_type).toBe("refresh_token");
          check(input.contentType.startsWith("application/x-www-form-urlencoded")).toBe(true);
          const call = relay.upstream.calls[0];
          const tenant = input.fields.tenant ?? "common";
          check(call?.url).toBe(TOKEN_ENDPOINTS[input.app]?.(tenant));
          check(call?.url.includes("?")).toBe(false);
          const sent = new URLSearchParams(call?.body ?? "");
          check(sent.get("grant_type")).toBe("refresh_token");
          check(sent.get("refresh_token")).toBe(input.fields.refresh_token);
          check(sent.getAll("client_secret").length).toBeLessThanOrEqual(1);
          // Browser-ish request headers are never forwarded.
          check(Object.keys(call?.headers ?? {}).sort()).toEqual(
            input.app === "acme"
              ? ["accept", "authorization", "content-type", "user-agent"]
              : ["accept", "content-type", "user-agent"],
          );
          if (response.status >= 500) check([500, 502, 503, 504]).toContain(response.status);
          // Upstream non-JSON is never passed through (the marker only ever arrives in a text body).
          check(text.includes("x-fuzz-upstream")).toBe(false);
          for (const secret of Object.values(SECRETS)) check(text.includes(secret)).toBe(false);
          check(relay.records.length).toBe(input.answer === tokenResponse && response.status === 200 ? 1 : 0);
        }),
        fuzzParams(30),
      );
      console.log(`fuzz token structured: ${FUZZ_RUNS} cases ${JSON.stringify(tally)}, ${elapsed()}`);
      check(tally.forwarded).toBeGreaterThan(FUZZ_RUNS / 20);
    },
    FUZZ_TIMEOUT,
  );

  it(
    `raw bodies (${FUZZ_RUNS} cases): no upstream request for garbage, never 5xx`,
    async () => {
      const elapsed = stopwatch();
      const rawArb = fc.record({
        app: fc.constantFrom("dropbox", "microsoft", "acme"),
        body: fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.constantFrom("grant_type=refresh_token", "=&=&", "%", "grant_type=refresh_token&&refresh_token"),
          fc.nat({ max: 20_000 }).map((n) => `grant_type=refresh_token&refresh_token=${"r".repeat(n)}`),
        ),
        contentType: fc.constantFrom("application/x-www-form-urlencoded", "application/json", "text/plain"),
      });
      await fc.assert(
        fc.asyncProperty(rawArb, async (input) => {
          relay.upstream.calls.length = 0;
          relay.upstream.next = tokenResponse;
          const response = await relay.app.request(`/v1/token/${input.app}`, {
            method: "POST",
            headers: { "content-type": input.contentType },
            body: input.body,
          });
          await checkResponse(response);
          if (relay.upstream.calls.length > 0) {
            check(relay.upstream.calls).toHaveLength(1);
            const sent = new URLSearchParams(input.body);
            check(sent.getAll("grant_type")).toEqual(["refresh_token"]);
            check(sent.getAll("refresh_token")).toHaveLength(1);
          }
        }),
        fuzzParams(31),
      );
      console.log(`fuzz token raw: ${FUZZ_RUNS} cases, ${elapsed()}`);
    },
    FUZZ_TIMEOUT,
  );
});
