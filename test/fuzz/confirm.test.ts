/**
 * Property-based fuzzing of POST /v1/confirm, the answer to the confirmation page the callback
 * shows for an unlisted return origin: genuine pending objects (a code or a provider error inside),
 * relay states offered in their place (wrong typ), objects sealed under a foreign key, tampered and
 * hostile values, missing and repeated fields, every mix of Origin / Sec-Fetch-Site a browser or a
 * script could send, under both policies, with the token endpoint answering anything.
 *
 * Invariants: never a 5xx; a cross-site or header-less POST is refused (403) before anything else;
 * at most one upstream request, and only for Send on a genuine pending object holding a code, from
 * the relay's own page, under policy confirm; Cancel answers a local page — no exchange, no
 * Location; a Location only to the minted return_to; anything untrusted gets the uniform 400 page;
 * nothing hostile reflected, no secret shown. (The one-use rule is off here, so a pending object can
 * be reused; test/security/abuse.test.ts covers it.)
 */
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import {
  check,
  checkLocation,
  checkResponse,
  FUZZ_RUNS,
  FUZZ_TIMEOUT,
  fuzzParams,
  hostileString,
  makeRelay,
  markerArb,
  mintState,
  newStateKeys,
  publicJwk,
  RELAY_URL,
  type Relay,
  stopwatch,
  tamper,
  tokenResponse,
  upstreamAnswerArb,
} from "./support.js";

const UNLISTED_RETURNS = [
  "https://unlisted.example.net/oauth2/relay",
  "https://other.example.com:8443/a/b?c=d",
  "https://x.example/%3Cx-fuzz-1%3E?q=%22onx=1",
];
const RELAY_ORIGIN = new URL(RELAY_URL).origin;

interface Pending {
  readonly pending: string;
  readonly returnTo: string;
  readonly instanceState: string;
  readonly holdsCode: boolean;
}

/** A genuine pending object: a flow to an unlisted origin, called back with a code or an error. */
async function mintPending(
  relay: Relay,
  app: string,
  returnTo: string,
  n: number,
  withCode: boolean,
): Promise<Pending> {
  const key = await publicJwk("X25519");
  const instanceState = `pend-${String(n).padStart(24, "0")}`;
  const minted = await mintState(
    relay,
    app,
    returnTo,
    ["form_post", "query", "fragment"][n % 3] ?? "query",
    key,
    instanceState,
  );
  const params = new URLSearchParams({
    state: minted.state,
    ...(withCode ? { code: `c-${n}` } : { error: "access_denied" }),
  });
  if (app === "acme") params.set("iss", "https://as.acme.com");
  const page = await (await relay.app.request(`/v1/callback/${app}?${params}`)).text();
  const pending = /name="pending" value="([^"]+)"/.exec(page)?.[1];
  if (!pending) throw new Error(`no confirmation page for ${returnTo}: ${page.slice(0, 200)}`);
  return { pending, returnTo, instanceState, holdsCode: withCode };
}

type Headers_ = Record<string, string>;
const HEADER_CASES: ReadonlyArray<[string, Headers_, boolean]> = [
  ["relay origin", { origin: RELAY_ORIGIN, "sec-fetch-site": "same-origin" }, true],
  ["relay origin, no sec-fetch", { origin: RELAY_ORIGIN }, true],
  ["Origin null + same-origin (no-referrer page)", { origin: "null", "sec-fetch-site": "same-origin" }, true],
  ["no Origin + same-origin", { "sec-fetch-site": "same-origin" }, true],
  ["cross-site origin", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }, false],
  [
    "cross-site origin claiming same-origin",
    { origin: "https://evil.example", "sec-fetch-site": "same-origin" },
    false,
  ],
  ["Origin null + cross-site", { origin: "null", "sec-fetch-site": "cross-site" }, false],
  ["same-site sibling", { origin: "https://sub.relay.example.com", "sec-fetch-site": "same-site" }, false],
  ["neither header (a script or an old browser)", {}, false],
  ["http scheme of the relay host", { origin: RELAY_ORIGIN.replace("https:", "http:") }, false],
];

describe("fuzz POST /v1/confirm", () => {
  let relays: Record<"confirm" | "allowlist", Relay>;
  let genuine: Pending[];
  let foreign: Pending[];
  let relayStates: string[];
  let uniformInvalid: string;

  beforeAll(async () => {
    const keys = newStateKeys();
    relays = { confirm: await makeRelay(keys), allowlist: await makeRelay(keys, { RETURN_POLICY: "allowlist" }) };
    const other = await makeRelay(newStateKeys());
    genuine = [];
    foreign = [];
    relayStates = [];
    let n = 0;
    for (const app of ["dropbox", "microsoft", "acme"]) {
      for (const returnTo of UNLISTED_RETURNS) {
        for (const withCode of [true, false]) {
          n += 1;
          genuine.push(await mintPending(relays.confirm, app, returnTo, n, withCode));
          foreign.push(await mintPending(other, app, returnTo, n, withCode));
        }
        const key = await publicJwk("X25519");
        relayStates.push((await mintState(relays.confirm, app, returnTo, "query", key, "r".repeat(30))).state);
      }
    }
    const reference = await relays.confirm.app.request("/v1/confirm", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: RELAY_ORIGIN },
      body: "pending=x&decision=send",
    });
    check(reference.status).toBe(400);
    uniformInvalid = (await reference.text()).replace(/nonce="[^"]*"/g, 'nonce=""');
  }, FUZZ_TIMEOUT);

  const caseArb = fc.record({
    policy: fc.constantFrom<"confirm" | "allowlist">("confirm", "confirm", "allowlist"),
    kind: fc.constantFrom("valid", "valid", "valid", "foreign", "relay-state", "tampered", "hostile", "missing"),
    index: fc.nat(),
    hostile: fc.oneof(
      hostileString(100),
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,400}$/),
      fc.constantFrom(8100, 9000).map((n) => "A".repeat(n)),
    ),
    decision: fc.oneof(
      { weight: 4, arbitrary: fc.constant("send") },
      { weight: 3, arbitrary: fc.constant("cancel") },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.oneof(hostileString(20), markerArb, fc.constantFrom("SEND", "send ", "approve")) },
    ),
    duplicate: fc.oneof(
      { weight: 12, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom("pending", "decision") },
    ),
    extra: fc.oneof(
      { weight: 6, arbitrary: fc.constant([] as Array<[string, string]>) },
      {
        weight: 1,
        arbitrary: fc.array(fc.tuple(hostileString(10), hostileString(30)), { minLength: 1, maxLength: 2 }),
      },
    ),
    headers: fc.oneof(
      { weight: 6, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: HEADER_CASES.length - 1 }) },
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant("application/x-www-form-urlencoded") },
      { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/json", "", "multipart/form-data") },
    ),
    answer: upstreamAnswerArb,
  });

  it(
    `form posts (${FUZZ_RUNS} cases): Send exchanges once only from the relay's page; Cancel sends nothing`,
    async () => {
      const elapsed = stopwatch();
      const tally = { sent: 0, exchanged: 0, cancelled: 0, forbidden: 0, invalid: 0 };
      await fc.assert(
        fc.asyncProperty(caseArb, async (input) => {
          const relay = relays[input.policy];
          relay.upstream.calls.length = 0;
          relay.records.length = 0;
          relay.upstream.next = input.answer;
          const pick = <T>(list: T[]) => list[input.index % list.length] as T;
          let pending: string | undefined;
          let minted: Pending | null = null;
          switch (input.kind) {
            case "valid":
              minted = pick(genuine);
              pending = minted.pending;
              break;
            case "foreign":
              pending = pick(foreign).pending;
              break;
            case "relay-state":
              pending = pick(relayStates);
              break;
            case "tampered":
              pending = tamper(pick(genuine).pending, input.index);
              break;
            case "hostile":
              pending = input.hostile;
              break;
          }
          const pairs: Array<[string, string]> = [];
          if (pending !== undefined) pairs.push(["pending", pending]);
          if (input.decision !== undefined) pairs.push(["decision", input.decision]);
          if (input.duplicate === "pending") {
            const second = pick(genuine);
            pairs.push(["pending", second.pending]);
            if (pending === undefined) minted = second; // then it is the only one: genuine
          }
          if (input.duplicate === "decision") pairs.push(["decision", "send"]);
          pairs.push(...input.extra);
          const [, originHeaders, fromPage] = HEADER_CASES[input.headers] ?? HEADER_CASES[0] ?? ["", {}, false];
          const headers: Record<string, string> = { ...originHeaders };
          if (input.contentType !== "") headers["content-type"] = input.contentType;
          const response = await relay.app.request("/v1/confirm", {
            method: "POST",
            headers,
            body: new URLSearchParams(pairs).toString(),
          });
          const body = await checkResponse(response);
          const location = response.headers.get("location") ?? "";
          checkLocation(
            response,
            relay,
            genuine.map((entry) => entry.returnTo),
            false,
          );
          const calls = relay.upstream.calls.length;
          check(calls).toBeLessThanOrEqual(1);
          check(relay.records.length).toBeLessThanOrEqual(calls);
          if (relay.records.length === 1) check(input.answer).toBe(tokenResponse);

          if (!fromPage) {
            check(response.status).toBe(403);
            check(location).toBe("");
            check(calls).toBe(0);
            tally.forbidden += 1;
            return;
          }
          const count = (name: string) => pairs.filter(([key]) => key === name).length;
          const decision = pairs.find(([key]) => key === "decision")?.[1];
          const wellFormed =
            minted !== null &&
            count("pending") === 1 &&
            count("decision") === 1 &&
            pairs.length === 2 &&
            input.contentType === "application/x-www-form-urlencoded" &&
            (decision === "send" || decision === "cancel");
          if (!wellFormed || minted === null) {
            check(response.status).toBe(400);
            check(location).toBe("");
            check(calls).toBe(0);
            check(body.replace(/nonce="[^"]*"/g, 'nonce=""')).toBe(uniformInvalid);
            tally.invalid += 1;
            return;
          }
          if (decision === "cancel") {
            check(response.status).toBe(200);
            check(location).toBe("");
            check(calls).toBe(0);
            check(body.includes("Nothing was sent")).toBe(true);
            check(body.includes(minted.instanceState)).toBe(false);
            tally.cancelled += 1;
            return;
          }
          if (input.policy === "allowlist") {
            // The origin is no longer allowed: a page, nothing sent.
            check(response.status).toBe(400);
            check(location).toBe("");
            check(calls).toBe(0);
            return;
          }
          tally.sent += 1;
          check(calls).toBe(minted.holdsCode ? 1 : 0);
          if (calls === 1) tally.exchanged += 1;
          check(body.includes(minted.instanceState) || location.includes(minted.instanceState)).toBe(true);
        }),
        fuzzParams(20),
      );
      console.log(`fuzz confirm: ${FUZZ_RUNS} cases ${JSON.stringify(tally)}, ${elapsed()}`);
      check(tally.exchanged).toBeGreaterThan(FUZZ_RUNS / 50);
      check(tally.cancelled).toBeGreaterThan(FUZZ_RUNS / 50);
      check(tally.forbidden).toBeGreaterThan(FUZZ_RUNS / 20);
      check(tally.invalid).toBeGreaterThan(FUZZ_RUNS / 20);
    },
    FUZZ_TIMEOUT,
  );
});
