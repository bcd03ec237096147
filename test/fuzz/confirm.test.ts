/**
 * Property-based fuzzing of GET /v1/confirm: genuine confirm tokens (unlisted https return_to under
 * policy confirm), relay states offered in their place (wrong typ), tokens under a foreign key,
 * tampered tokens, hostile strings, duplicates, and the cancel action, under both policies.
 * Invariants: never a 5xx; never an upstream request; the Continue link only ever points at the
 * provider's authorization endpoint; Cancel (a Location) only to a minted return_to the policy in
 * force accepts; an allowlist relay never shows the page for an unlisted origin; everything escaped.
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
  newStateKeys,
  publicJwk,
  RELAY_URL,
  type Relay,
  stopwatch,
  tamper,
} from "./support.js";

const CONFIRM_RETURNS = [
  "https://unlisted.example.net/oauth2/relay",
  "https://other.example.com:8443/a/b?c=d",
  "https://x.example/%3Cx-fuzz-1%3E?q=%22onx=1",
];
const PROVIDERS = [
  "https://www.dropbox.com/oauth2/authorize?",
  "https://login.microsoftonline.com/",
  "https://as.acme.com/authorize?",
];

interface Token {
  readonly token: string;
  readonly returnTo: string;
}

async function mintConfirm(relay: Relay, app: string, returnTo: string, mode: string, key: object): Promise<Token> {
  const response = await relay.app.request("/v1/flows", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ app, return_to: returnTo, state: "n".repeat(30), key, response_mode: mode }),
  });
  const { authorization_url } = (await response.json()) as { authorization_url: string };
  check(authorization_url.startsWith(`${RELAY_URL}/v1/confirm?state=`)).toBe(true);
  return { token: new URL(authorization_url).searchParams.get("state") ?? "", returnTo };
}

describe("fuzz GET /v1/confirm", () => {
  let relays: Record<"confirm" | "allowlist", Relay>;
  let tokens: Token[];
  let foreign: Token[];
  let relayStates: string[];

  beforeAll(async () => {
    const keys = newStateKeys();
    relays = { confirm: await makeRelay(keys), allowlist: await makeRelay(keys, { RETURN_POLICY: "allowlist" }) };
    const other = await makeRelay(newStateKeys());
    const key = await publicJwk("X25519");
    tokens = [];
    foreign = [];
    for (const app of ["dropbox", "microsoft", "acme"]) {
      for (const returnTo of CONFIRM_RETURNS) {
        for (const mode of ["form_post", "query", "fragment"]) {
          tokens.push(await mintConfirm(relays.confirm, app, returnTo, mode, key));
          foreign.push(await mintConfirm(other, app, returnTo, mode, key));
        }
      }
    }
    // Relay states (typ oauth-relay-state) under the right key: must not pass as confirm tokens.
    relayStates = [];
    for (const { token } of tokens.slice(0, 6)) {
      const page = await (await relays.confirm.app.request(`/v1/confirm?state=${token}`)).text();
      const href = /id="continue" href="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, "&") ?? "";
      relayStates.push(new URL(href).searchParams.get("state") ?? "");
    }
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
    action: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.constant("cancel") },
      { weight: 1, arbitrary: fc.oneof(hostileString(20), markerArb) },
    ),
    duplicate: fc.oneof(
      { weight: 12, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom("state", "action") },
    ),
    extra: fc.oneof(
      { weight: 6, arbitrary: fc.constant([] as Array<[string, string]>) },
      { weight: 1, arbitrary: fc.array(fc.tuple(hostileString(10), hostileString(30)), { maxLength: 2 }) },
    ),
  });

  it(
    `queries (${FUZZ_RUNS} cases): Continue only to the provider, Cancel only to an accepted return_to`,
    async () => {
      const elapsed = stopwatch();
      const tally = { page: 0, cancel: 0, invalid: 0 };
      await fc.assert(
        fc.asyncProperty(caseArb, async (input) => {
          const relay = relays[input.policy];
          relay.upstream.calls.length = 0;
          const pick = <T>(list: T[]) => list[input.index % list.length] as T;
          let token: string | undefined;
          let genuine: Token | null = null;
          switch (input.kind) {
            case "valid":
              genuine = pick(tokens);
              token = genuine.token;
              break;
            case "foreign":
              token = pick(foreign).token;
              break;
            case "relay-state":
              token = pick(relayStates);
              break;
            case "tampered":
              token = tamper(pick(tokens).token, input.index);
              break;
            case "hostile":
              token = input.hostile;
              break;
          }
          const pairs: Array<[string, string]> = [];
          if (token !== undefined) pairs.push(["state", token]);
          if (input.action !== undefined) pairs.push(["action", input.action]);
          if (input.duplicate === "state") {
            const second = pick(tokens);
            pairs.push(["state", second.token]);
            if (token === undefined) genuine = second;
          }
          if (input.duplicate === "action") pairs.push(["action", "cancel"]);
          pairs.push(...input.extra.filter(([name]) => name !== "state" && name !== "action"));
          const response = await relay.app.request(`/v1/confirm?${new URLSearchParams(pairs)}`);
          const body = await checkResponse(response);
          check(relay.upstream.calls).toHaveLength(0);
          checkLocation(
            response,
            relay,
            tokens.map((entry) => entry.returnTo),
          );
          const count = (name: string) => pairs.filter(([key]) => key === name).length;
          const trusted =
            genuine !== null && count("state") === 1 && count("action") <= 1 && input.policy === "confirm";
          if (!trusted) {
            check([400, 414]).toContain(response.status);
            check(response.headers.get("location")).toBeNull();
            tally.invalid += 1;
            return;
          }
          const action = pairs.find(([key]) => key === "action")?.[1];
          if (action === "cancel") {
            tally.cancel += 1;
            // Cancel delivers access_denied to the instance: a form_post page or a 303, never the page.
            check(body.includes('id="continue"')).toBe(false);
          } else if (response.status === 200) {
            tally.page += 1;
            const href = /id="continue" href="([^"]+)"/.exec(body)?.[1]?.replace(/&amp;/g, "&") ?? "";
            check(
              PROVIDERS.some((prefix) => href.startsWith(prefix)),
              href,
            ).toBe(true);
            const cancel = /id="cancel" href="([^"]+)"/.exec(body)?.[1] ?? "";
            check(cancel.startsWith(`${RELAY_URL}/v1/confirm?`)).toBe(true);
          }
        }),
        fuzzParams(20),
      );
      console.log(`fuzz confirm: ${FUZZ_RUNS} cases ${JSON.stringify(tally)}, ${elapsed()}`);
      check(tally.page).toBeGreaterThan(FUZZ_RUNS / 20);
      check(tally.cancel).toBeGreaterThan(FUZZ_RUNS / 50);
    },
    FUZZ_TIMEOUT,
  );
});
