/**
 * Property-based fuzzing of odd requests on every route: any method (including HEAD, OPTIONS and
 * made-up tokens), known and unknown paths, and hostile headers (Origin, Cookie, Host, forwarding
 * headers, CORS preflight headers, content types, very long values).
 * Invariants: never a 5xx; never an upstream request (no request here carries a valid state);
 * never CORS or cookies; the security headers on every answer; HEAD/OPTIONS on the callback 405.
 */
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import {
  check,
  checkResponse,
  FUZZ_RUNS,
  FUZZ_TIMEOUT,
  fuzzParams,
  hostileString,
  makeRelay,
  newStateKeys,
  type Relay,
  stopwatch,
} from "./support.js";

const PATHS = [
  "/healthz",
  "/v1/apps",
  "/v1/flows",
  "/v1/confirm",
  "/v1/callback/dropbox?code=c&state=s",
  "/v1/callback/acme",
  "/v1/token/dropbox",
  "/v1/token/unknown",
  "/metrics",
  "/",
  "/v1",
  "/v1/callback/",
  "/v1/callback/dropbox/extra",
  "/V1/APPS",
  "/v1/apps/../flows",
  "/%2e%2e/v1/apps",
  "/v1/callback/%3Cx-fuzz-1%3E",
];

/** Visible ASCII header values (Headers rejects CR, LF and NUL outright). */
const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7E]{0,100}$/).map((value) => value.trim()),
  fc.constantFrom(
    "https://evil.example",
    "null",
    "<x-fuzz-1>",
    '"onx=1',
    "a=b; c=d",
    "*",
    "application/json",
    "application/x-www-form-urlencoded",
  ),
  fc.constant("x".repeat(8000)),
);

const HEADER_NAMES = [
  "origin",
  "cookie",
  "referer",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "forwarded",
  "cf-connecting-ip",
  "access-control-request-method",
  "access-control-request-headers",
  "content-type",
  "accept",
  "accept-encoding",
  "authorization",
  "user-agent",
  "x-http-method-override",
  "sec-fetch-site",
  "sec-fetch-mode",
  "if-none-match",
  "range",
];

describe("fuzz methods, paths and headers", () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await makeRelay(newStateKeys());
  }, FUZZ_TIMEOUT);

  it(
    `any method, path and header set (${FUZZ_RUNS} cases): headers always present, never 5xx or CORS`,
    async () => {
      const elapsed = stopwatch();
      const caseArb = fc.record({
        method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND", "TRACE"),
        path: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...PATHS) },
          {
            weight: 1,
            arbitrary: fc
              .array(hostileString(12), { minLength: 1, maxLength: 4 })
              .map((parts) => `/${parts.map(encodeURIComponent).join("/")}`),
          },
        ),
        headers: fc.dictionary(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...HEADER_NAMES) },
            {
              weight: 1,
              arbitrary: fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
            },
          ),
          headerValue,
          { maxKeys: 5 },
        ),
        body: fc.option(fc.string({ maxLength: 200 }), { freq: 2 }),
      });
      await fc.assert(
        fc.asyncProperty(caseArb, async (input) => {
          relay.upstream.calls.length = 0;
          const hasBody = input.body !== null && input.method !== "GET" && input.method !== "HEAD";
          let request: Request;
          try {
            request = new Request(`http://localhost${input.path}`, {
              method: input.method,
              headers: input.headers,
              body: hasBody ? input.body : undefined,
            });
          } catch {
            return; // not a request a client could send (e.g. TRACE is forbidden by fetch)
          }
          const response = await relay.app.request(request);
          await checkResponse(response);
          check(relay.upstream.calls).toHaveLength(0);
          if (
            input.path.startsWith("/v1/callback/dropbox?") &&
            (input.method === "HEAD" || input.method === "OPTIONS")
          ) {
            check(response.status).toBe(405);
          }
          if (input.method === "OPTIONS") check(response.status).toBeGreaterThanOrEqual(400);
        }),
        fuzzParams(40),
      );
      console.log(`fuzz headers: ${FUZZ_RUNS} cases, ${elapsed()}`);
    },
    FUZZ_TIMEOUT,
  );
});
