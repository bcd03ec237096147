/**
 * Property-based fuzzing of GET|POST /v1/callback/<app>: query strings and form bodies with genuine
 * relay states (right app, wrong app, expired, minted under a foreign key, tampered) mixed with
 * hostile values, duplicates and extra parameters, under both return policies, with the fake
 * token endpoint answering anything from a valid token to garbage and redirects.
 *
 * Invariants: never a 5xx; at most one upstream request, and only for a genuine, unexpired state of
 * this app with a code, no error, the right `iss`, and a loopback or listed return_to; for an
 * unlisted one (policy confirm) the confirmation page and nothing else — no exchange, no Location;
 * a Location only to a minted, loopback or listed return_to; any untrusted state gets the one uniform
 * 400 page, byte-identical apart from the CSP nonce; nothing hostile or upstream-provided reflected;
 * no secret in what the browser sees; a record only after a successful exchange. (The one-use rule
 * is off here, so genuine states can be reused; test/security/abuse.test.ts covers it.)
 */
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { checkReturnTo } from "../../src/flow/return-policy.js";
import {
  ACME_ISSUER,
  APP_IDS,
  check,
  checkLocation,
  checkResponse,
  designDecision,
  FUZZ_RUNS,
  FUZZ_TIMEOUT,
  fuzzParams,
  hostileString,
  MINT_RETURNS,
  type MintedState,
  makeRelay,
  markerArb,
  mintPool,
  NOW,
  newStateKeys,
  RELAY_URL,
  type Relay,
  SECRETS,
  stopwatch,
  tamper,
  tokenResponse,
  upstreamAnswerArb,
} from "./support.js";

type StateKind = "valid" | "other-app" | "expired" | "foreign-key" | "tampered" | "hostile" | "missing";

interface CallbackCase {
  policy: "confirm" | "allowlist";
  pathApp: string;
  stateKind: StateKind;
  stateIndex: number;
  hostileState: string;
  duplicateState: boolean;
  code: string | undefined;
  error: string | undefined;
  errorDescription: string | undefined;
  iss: string | undefined;
  extra: Array<[string, string]>;
  method: "GET" | "POST";
  contentType: string;
  answer: () => Response;
}

/** Present in about one case of `oneIn`, otherwise absent. */
function rarely<T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const normalizeNonce = (body: string) => body.replace(/nonce="[^"]*"/g, 'nonce=""');

describe("fuzz /v1/callback/<app>", () => {
  let relays: Record<"confirm" | "allowlist", Relay>;
  let pool: MintedState[];
  let expired: MintedState[];
  let foreign: MintedState[];
  let uniformInvalid: string;

  beforeAll(async () => {
    const keys = newStateKeys();
    relays = { confirm: await makeRelay(keys), allowlist: await makeRelay(keys, { RETURN_POLICY: "allowlist" }) };
    pool = await mintPool(relays.confirm);
    // Same keys, minted 2000 s before NOW: past STATE_TTL (600) and the clock tolerance.
    expired = await mintPool(await makeRelay(keys, {}, () => NOW - 2000));
    foreign = await mintPool(await makeRelay(newStateKeys()));
    const reference = await relays.confirm.app.request("/v1/callback/dropbox?state=x");
    check(reference.status).toBe(400);
    uniformInvalid = normalizeNonce(await reference.text());
  }, FUZZ_TIMEOUT);

  const caseArb: fc.Arbitrary<CallbackCase> = fc.record({
    policy: fc.constantFrom("confirm", "allowlist"),
    pathApp: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(...APP_IDS) },
      { weight: 1, arbitrary: fc.constantFrom("unknown", "DROPBOX", "%3Cx-fuzz-1%3E", "..%2fdropbox", "dropbox%00") },
    ),
    stateKind: fc.constantFrom<StateKind>(
      "valid",
      "valid",
      "valid",
      "valid",
      "other-app",
      "expired",
      "foreign-key",
      "tampered",
      "hostile",
      "missing",
    ),
    stateIndex: fc.nat(),
    hostileState: fc.oneof(
      hostileString(100),
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,600}$/),
      fc
        .array(fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/), { minLength: 5, maxLength: 5 })
        .map((parts) => parts.join(".")),
    ),
    duplicateState: fc.oneof(
      { weight: 15, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    code: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 5, arbitrary: fc.stringMatching(/^[\x21-\x7E]{1,80}$/) },
      { weight: 1, arbitrary: hostileString(60) },
      { weight: 1, arbitrary: fc.constant("c".repeat(5000)) },
    ),
    error: rarely(
      fc.oneof(
        fc.constantFrom("access_denied", "invalid_scope", "consent_required", "server_error", "weird_code"),
        hostileString(30),
      ),
      3,
    ),
    errorDescription: rarely(fc.oneof(markerArb, hostileString(200)), 2),
    iss: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.constant(ACME_ISSUER) },
      { weight: 1, arbitrary: fc.constant("https://evil.example") },
      { weight: 1, arbitrary: hostileString(30) },
    ),
    extra: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as Array<[string, string]>) },
      {
        weight: 1,
        arbitrary: fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom("session_state", "code", "error", "iss", "scope", "x"), hostileString(10)),
            hostileString(30),
          ),
          { minLength: 1, maxLength: 2 },
        ),
      },
    ),
    method: fc.constantFrom("GET", "POST"),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/x-www-form-urlencoded") },
      { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/json", "", "multipart/form-data") },
    ),
    answer: upstreamAnswerArb,
  });

  /** The parameters and whether the relay may legitimately call the token endpoint for them. */
  function build(input: CallbackCase): { pairs: Array<[string, string]>; minted: MintedState | null } {
    let minted: MintedState | null = null;
    let state: string | undefined;
    const pick = (list: MintedState[]) => list[input.stateIndex % list.length] as MintedState;
    const forApp = pool.filter((entry) => entry.appId === input.pathApp);
    switch (input.stateKind) {
      case "valid":
        if (forApp.length > 0) {
          minted = pick(forApp);
          state = minted.state;
        } else state = pick(pool).state;
        break;
      case "other-app":
        state = pick(pool.filter((entry) => entry.appId !== input.pathApp)).state;
        break;
      case "expired":
        state = pick(expired).state;
        break;
      case "foreign-key":
        state = pick(foreign).state;
        break;
      case "tampered":
        state = tamper(pick(pool).state, input.stateIndex);
        break;
      case "hostile":
        state = input.hostileState;
        break;
      case "missing":
        state = undefined;
        break;
    }
    const pairs: Array<[string, string]> = [];
    if (state !== undefined) pairs.push(["state", state]);
    if (state !== undefined && input.duplicateState) {
      // RFC 6749 §3.1: a repeated parameter makes the response untrustworthy as a whole.
      pairs.push(["state", pick(pool).state]);
      minted = null;
    }
    if (input.code !== undefined) pairs.push(["code", input.code]);
    if (input.error !== undefined) pairs.push(["error", input.error]);
    if (input.errorDescription !== undefined) pairs.push(["error_description", input.errorDescription]);
    if (input.iss !== undefined) pairs.push(["iss", input.iss]);
    pairs.push(...input.extra);
    return { pairs, minted };
  }

  async function send(relay: Relay, input: CallbackCase, pairs: Array<[string, string]>): Promise<Response> {
    const query = new URLSearchParams(pairs).toString();
    const path = `/v1/callback/${input.pathApp}`;
    if (input.method === "GET") return relay.app.request(`${path}?${query}`);
    const headers: Record<string, string> = input.contentType === "" ? {} : { "content-type": input.contentType };
    return relay.app.request(path, { method: "POST", headers, body: query });
  }

  it(
    `structured queries and form bodies (${FUZZ_RUNS} cases)`,
    async () => {
      const elapsed = stopwatch();
      const tally = { exchanged: 0, delivered: 0, invalid: 0, confirmations: 0 };
      await fc.assert(
        fc.asyncProperty(caseArb, async (input) => {
          const relay = relays[input.policy];
          relay.upstream.calls.length = 0;
          relay.records.length = 0;
          relay.upstream.next = input.answer;
          const { pairs, minted } = build(input);
          const response = await send(relay, input, pairs);
          const location = response.headers.get("location") ?? "";
          const body = await checkResponse(response);
          checkLocation(response, relay, MINT_RETURNS);

          // Nothing the provider's token endpoint said, and no secret, reaches the browser.
          const decoded = (() => {
            try {
              return decodeURIComponent(location.replace(/\+/g, " "));
            } catch {
              return location;
            }
          })();
          for (const seen of [body, location, decoded]) {
            check(seen.includes("x-fuzz-up")).toBe(false);
            for (const secret of Object.values(SECRETS)) check(seen.includes(secret)).toBe(false);
          }

          const calls = relay.upstream.calls.length;
          check(calls).toBeLessThanOrEqual(1);
          if (calls === 1) {
            tally.exchanged += 1;
            // Only a genuine state of this app, with a code, no error, acceptable return_to and iss.
            check(minted).not.toBeNull();
            check(minted?.appId).toBe(input.pathApp);
            const count = (name: string) => pairs.filter(([key]) => key === name).length;
            check(count("state")).toBe(1);
            check(count("code")).toBe(1);
            check(count("error")).toBe(0);
            check(count("iss")).toBeLessThanOrEqual(1);
            const policy = relay.config;
            check(checkReturnTo(minted?.returnTo ?? "", policy.returnPolicy, policy.returnOrigins).kind).toBe("direct");
            check(designDecision(minted?.returnTo ?? "", policy.returnPolicy)).toBe("direct");
            // RFC 9207: acme is configured with iss_parameter, so the exchange needs its exact issuer.
            if (input.pathApp === "acme") check(pairs.find(([key]) => key === "iss")?.[1]).toBe(ACME_ISSUER);
            const upstreamBody = new URLSearchParams(relay.upstream.calls[0]?.body ?? "");
            check(upstreamBody.get("code")).toBe(pairs.find(([key]) => key === "code")?.[1]);
            check(relay.upstream.calls[0]?.url.includes("?")).toBe(false);
          }
          check(relay.records.length).toBeLessThanOrEqual(calls);
          if (relay.records.length === 1) check(input.answer).toBe(tokenResponse);

          if (minted === null) {
            // No genuine state: the uniform page, no redirect, nothing echoed.
            check(response.status).toBe(400);
            check(location).toBe("");
            check(normalizeNonce(body)).toBe(uniformInvalid);
            tally.invalid += 1;
          } else if (designDecision(minted.returnTo, input.policy) === "confirm") {
            // Unlisted origin: nothing sent or exchanged — the relay's confirmation page, or (for a
            // malformed callback, e.g. a repeated parameter) the uniform invalid page.
            check(location).toBe("");
            check(calls).toBe(0);
            if (response.status === 200) {
              tally.confirmations += 1;
              check(body.includes(`action="${RELAY_URL}/v1/confirm"`)).toBe(true);
              check(body.includes(minted.instanceState)).toBe(false);
            } else check(normalizeNonce(body)).toBe(uniformInvalid);
          } else if (response.status === 200 || response.status === 303) {
            tally.delivered += 1;
            check(body.includes(minted.instanceState) || location.includes(minted.instanceState)).toBe(true);
          }
        }),
        fuzzParams(10),
      );
      console.log(`fuzz callback structured: ${FUZZ_RUNS} cases ${JSON.stringify(tally)}, ${elapsed()}`);
      check(tally.exchanged).toBeGreaterThan(FUZZ_RUNS / 20);
      check(tally.invalid).toBeGreaterThan(FUZZ_RUNS / 20);
      check(tally.confirmations).toBeGreaterThan(FUZZ_RUNS / 50);
    },
    FUZZ_TIMEOUT,
  );

  it(
    `raw query strings and form bodies (${FUZZ_RUNS} cases): uniform 400 or delivery, never 5xx`,
    async () => {
      const elapsed = stopwatch();
      const rawArb = fc.record({
        app: fc.constantFrom(...APP_IDS),
        prefix: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 80 }), markerArb),
        withState: fc.boolean(),
        stateIndex: fc.nat(),
        suffix: fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("&&&", "=&=", "%", "%zz", "state", "&state=")),
        post: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(rawArb, async (input) => {
          const relay = relays.confirm;
          relay.upstream.calls.length = 0;
          relay.upstream.next = tokenResponse;
          const state = input.withState ? (pool[input.stateIndex % pool.length] as MintedState).state : "";
          const raw = `${input.prefix}${input.withState ? `&state=${state}` : ""}${input.suffix}`;
          const path = `/v1/callback/${input.app}`;
          let response: Response;
          if (input.post) {
            response = await relay.app.request(path, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: raw,
            });
          } else {
            let url: URL;
            try {
              url = new URL(`http://localhost${path}?${raw}`);
            } catch {
              return;
            }
            response = await relay.app.request(url.href);
          }
          await checkResponse(response);
          checkLocation(response, relay, MINT_RETURNS);
          check(relay.upstream.calls.length).toBeLessThanOrEqual(1);
          if (relay.upstream.calls.length === 1) check(input.withState).toBe(true);
        }),
        fuzzParams(11),
      );
      console.log(`fuzz callback raw: ${FUZZ_RUNS} cases, ${elapsed()}`);
    },
    FUZZ_TIMEOUT,
  );
});
