/**
 * `qorus-oauth-relay doctor`: operator-described servers on real loopback HTTP(S), catalogue entries
 * with the fetch routed to in-process fakes. Every test also checks that the client secret appears
 * nowhere in the output.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DoctorOptions, runDoctor } from "../../src/cli/doctor.js";
import { main } from "../../src/cli/main.js";
import { generateStateKeyPair } from "../../src/crypto/state-keys.js";
import { selfSignedCert } from "../e2e/support/net.js";
import { DROPBOX_API, DropboxFake } from "../fakes/dropbox.js";
import { asFetch, json, type Listening, listen, type RecordedRequest, recordRequest, routeTo } from "../fakes/http.js";
import { freePort } from "../harness/free-port.js";
import { genericApp } from "../harness/generic-app.js";
import { fakeIo } from "./fake-io.js";

const RELAY_URL = "http://127.0.0.1:8787";
const CLIENT_ID = "doctor-client";

/** APPS + secrets + the rest of a valid configuration. */
function configEnv(apps: ReadonlyArray<Record<string, unknown>>, secrets: Record<string, string>) {
  return {
    RELAY_URL,
    STATE_KEYS: generateStateKeyPair("k1"),
    APPS: JSON.stringify(apps),
    ...secrets,
  };
}

/** A generic app at `origin` with the doctor tests' client id, Basic encoding and auth method. */
function doctorApp(
  id: string,
  origin: string,
  basicEncoding: "form" | "raw" = "form",
  method: "client_secret_basic" | "client_secret_post" = "client_secret_basic",
) {
  return genericApp(id, origin, { clientId: CLIENT_ID, method, server: { basic_encoding: basicEncoding } });
}

/**
 * A token endpoint that authenticates the client (HTTP Basic decoded the way `accepts` says, or the
 * body) and then refuses every code, as a real server refuses a made-up one.
 */
function tokenServer(secret: string, accepts: "form" | "raw" | "post") {
  const requests: RecordedRequest[] = [];
  const handler = async (request: Request): Promise<Response> => {
    const recorded = await recordRequest(request);
    requests.push(recorded);
    const form = new URLSearchParams(recorded.body);
    let id: string | null = null;
    let given: string | null = null;
    const authorization = recorded.headers.authorization ?? "";
    if (accepts === "post") {
      id = form.get("client_id");
      given = form.get("client_secret");
    } else if (authorization.startsWith("Basic ")) {
      const pair = Buffer.from(authorization.slice(6), "base64").toString("utf8");
      const colon = pair.indexOf(":");
      const decode = (value: string) => (accepts === "form" ? decodeURIComponent(value.replace(/\+/g, " ")) : value);
      id = decode(pair.slice(0, colon));
      given = decode(pair.slice(colon + 1));
    }
    if (id !== CLIENT_ID || given !== secret) {
      return json({ error: "invalid_client", error_description: "Client authentication failed" }, 401);
    }
    return json({ error: "invalid_grant", error_description: "authorization code is invalid" }, 400);
  };
  return { requests, handler };
}

interface Outcome {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function doctor(options: Omit<DoctorOptions, "io" | "fetch"> & { fetch?: typeof fetch }): Promise<Outcome> {
  const t = fakeIo();
  const code = await runDoctor({ fetch: globalThis.fetch, ...options, io: t.io });
  return { code, out: t.out(), err: t.err() };
}

function expectNoSecret(outcome: Outcome, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(outcome.out).not.toContain(secret);
    expect(outcome.err).not.toContain(secret);
    expect(outcome.out).not.toContain(encodeURIComponent(secret));
  }
}

/** The verdict line of one app. */
function verdict(out: string, app: string): string {
  return out.split("\n").find((line) => line.startsWith(`${app}: `)) ?? "";
}

const servers: Listening[] = [];
async function serve(handler: (request: Request) => Promise<Response>): Promise<string> {
  const listening = await listen(handler, "http://127.0.0.1");
  servers.push(listening);
  return listening.url;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe("doctor against operator-described servers on loopback", () => {
  it("good credentials: ok, exit 0, one request shaped as the relay's code exchange", async () => {
    const secret = "good-secret-0123456789";
    const fake = tokenServer(secret, "form");
    const origin = await serve(fake.handler);
    const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: secret }) });
    expect(result.code).toBe(0);
    expect(verdict(result.out, "x")).toMatch(/^x: ok — client credentials accepted/);
    expect(result.out).toContain("HTTP 400 invalid_grant");
    expect(fake.requests).toHaveLength(1);
    const form = new URLSearchParams(fake.requests[0]?.body);
    expect(form.get("grant_type")).toBe("authorization_code");
    expect(form.get("redirect_uri")).toBe(`${RELAY_URL}/v1/callback/x`);
    expect(form.get("code")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(form.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(form.get("client_secret")).toBeNull(); // Basic app: the secret is in the header only
    expect(fake.requests[0]?.headers.authorization).toMatch(/^Basic /);
    expect(fake.requests[0]?.url).toBe("http://127.0.0.1/token");
    expectNoSecret(result, secret);
  });

  it("bad secret: fix needed naming CLIENT_SECRET_X, exit 1, no second guess when encoding changes nothing", async () => {
    const fake = tokenServer("the-right-secret", "form");
    const origin = await serve(fake.handler);
    const wrong = "a-wrong-secret-42";
    const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: wrong }) });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "x")).toMatch(/^x: fix needed — client credentials refused/);
    expect(verdict(result.out, "x")).toContain("CLIENT_SECRET_X");
    expect(result.out).toContain("HTTP 401 invalid_client");
    expect(fake.requests).toHaveLength(1);
    expectNoSecret(result, wrong);
  });

  it('a server that only takes raw Basic, secret with + / = configured "form": the verdict names "basic_encoding": "raw"', async () => {
    const secret = "s3cr+t/with=signs";
    const fake = tokenServer(secret, "raw");
    const origin = await serve(fake.handler);
    const result = await doctor({ env: configEnv([doctorApp("x", origin, "form")], { CLIENT_SECRET_X: secret }) });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "x")).toContain('set "basic_encoding": "raw" on app "x" in APPS');
    expect(verdict(result.out, "x")).toMatch(/^x: fix needed/);
    expect(fake.requests).toHaveLength(2);
    expectNoSecret(result, secret);

    // With that fix applied, the same server says ok at the first request.
    fake.requests.length = 0;
    const fixed = await doctor({ env: configEnv([doctorApp("x", origin, "raw")], { CLIENT_SECRET_X: secret }) });
    expect(fixed.code).toBe(0);
    expect(verdict(fixed.out, "x")).toMatch(/^x: ok/);
    expect(fake.requests).toHaveLength(1);
  });

  it("a secret refused with both Basic encodings: fix needed, check the credentials, two requests at most", async () => {
    const fake = tokenServer("the-right-secret", "form");
    const origin = await serve(fake.handler);
    const wrong = "wrong+secret/=";
    const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: wrong }) });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "x")).toContain("refused with both HTTP Basic encodings");
    expect(verdict(result.out, "x")).not.toContain("basic_encoding");
    expect(fake.requests).toHaveLength(2);
    expectNoSecret(result, wrong);
  });

  it("client_secret_post refused: fix needed without guessing an encoding (one request)", async () => {
    const fake = tokenServer("the-right-secret", "post");
    const origin = await serve(fake.handler);
    const wrong = "wrong+post/secret=";
    const app = doctorApp("x", origin, "form", "client_secret_post");
    const result = await doctor({ env: configEnv([app], { CLIENT_SECRET_X: wrong }) });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "x")).toContain("sent in the request body");
    expect(fake.requests).toHaveLength(1);
    expectNoSecret(result, wrong);
  });

  it("an error text that echoes the secret is printed with the secret blanked out", async () => {
    const secret = "echoed-secret-value-987";
    const origin = await serve(async (request) => {
      const pair = Buffer.from((request.headers.get("authorization") ?? "").slice(6), "base64").toString("utf8");
      return json({ error: "invalid_client", error_description: `unknown client credentials ${pair}` }, 401);
    });
    const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: secret }) });
    expect(result.code).toBe(1);
    expect(result.out).toContain(`unknown client credentials ${CLIENT_ID}:[secret]`);
    expectNoSecret(result, secret);
  });

  it("an answer that is neither: inconclusive with status and error code", async () => {
    const origin = await serve(async () => json({ error: "invalid_request", error_description: "bad request" }, 400));
    const secret = "some-secret-for-inconclusive";
    const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: secret }) });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "x")).toBe("x: inconclusive — HTTP 400 invalid_request: bad request");
    expectNoSecret(result, secret);
  });

  it("a bare HTTP 401 (no error code, or no JSON) counts as credentials refused", async () => {
    const secret = "secret-for-bare-401";
    for (const answer of [
      () => json({ message: "Unauthorized" }, 401),
      () => new Response("Unauthorized", { status: 401, headers: { "content-type": "text/plain" } }),
    ]) {
      const origin = await serve(async () => answer());
      const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: secret }) });
      expect(result.code).toBe(1);
      expect(verdict(result.out, "x")).toMatch(/^x: fix needed — client credentials refused \(HTTP Basic\)/);
      expectNoSecret(result, secret);
    }
  });

  it("a closed port: unreachable, connection refused", async () => {
    const origin = `http://127.0.0.1:${await freePort()}`; // free: nothing listens there
    const secret = "secret-for-closed-port";
    const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: secret }) });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "x")).toMatch(
      /^x: unreachable — connection refused by 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expectNoSecret(result, secret);
  });

  it("a certificate the client does not trust: unreachable, TLS", async () => {
    const tls = selfSignedCert();
    const server = createServer({ cert: tls.cert, key: tls.key }, (_request, response) => {
      response.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_grant"}');
    });
    try {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const secret = "secret-for-tls";
      const result = await doctor({ env: configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: secret }) });
      expect(result.code).toBe(1);
      expect(verdict(result.out, "x")).toMatch(
        /^x: unreachable — TLS: the certificate of 127\.0\.0\.1:\d+ was not accepted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
      );
      expectNoSecret(result, secret);
    } finally {
      server.closeAllConnections();
      server.close();
      tls.cleanup();
    }
  });

  it("several apps in one run: exit 1 unless all are ok, a summary names the others", async () => {
    const goodSecret = "good-secret-for-many";
    const good = tokenServer(goodSecret, "form");
    const origin = await serve(good.handler);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const env = configEnv([doctorApp("a", origin), doctorApp("b", closed)], {
      CLIENT_SECRET_A: goodSecret,
      CLIENT_SECRET_B: "secret-b-closed",
    });
    const both = await doctor({ env });
    expect(both.code).toBe(1);
    expect(verdict(both.out, "a")).toMatch(/^a: ok/);
    expect(verdict(both.out, "b")).toMatch(/^b: unreachable/);
    expect(both.out).toContain("Summary: 1 ok, 1 unreachable (b)");
    const onlyA = await doctor({ env, apps: ["a"] });
    expect(onlyA.code).toBe(0);
    expect(verdict(onlyA.out, "b")).toBe("");
    expectNoSecret(both, goodSecret, "secret-b-closed");
  });
});

describe("doctor against catalogue entries (fetch routed in-process)", () => {
  it("dropbox (client_secret_post): ok with the right secret; fix needed with a wrong one, no retry", async () => {
    const secret = "dropbox-secret-xyz";
    const fake = new DropboxFake({ clientId: CLIENT_ID, clientSecret: secret, redirectUris: [] });
    const fetcher = asFetch(routeTo({ [DROPBOX_API]: fake.handle }));
    const apps = [{ id: "dropbox", server: "dropbox", client_id: CLIENT_ID }];
    const ok = await doctor({ env: configEnv(apps, { CLIENT_SECRET_DROPBOX: secret }), fetch: fetcher });
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("token endpoint: https://api.dropboxapi.com/oauth2/token");
    expect(verdict(ok.out, "dropbox")).toMatch(/^dropbox: ok/);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(new URLSearchParams(fake.tokenRequests[0]?.body).get("client_id")).toBe(CLIENT_ID);

    const wrong = "dropbox-wrong+secret=";
    const bad = await doctor({ env: configEnv(apps, { CLIENT_SECRET_DROPBOX: wrong }), fetch: fetcher });
    expect(bad.code).toBe(1);
    expect(verdict(bad.out, "dropbox")).toMatch(/^dropbox: fix needed — client credentials refused/);
    expect(bad.out).toContain("HTTP 400 invalid_client");
    expect(fake.tokenRequests).toHaveLength(2); // one each run
    expectNoSecret(ok, secret);
    expectNoSecret(bad, wrong);
  });

  it("slack: HTTP 200 ok:false invalid_code is ok, bad_client_secret is a fix", async () => {
    const secret = "slack-secret-abc";
    let calls = 0;
    const fetcher = asFetch(
      routeTo({
        "https://slack.com": async (request) => {
          calls++;
          const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString("base64")}`;
          const error = request.headers.get("authorization") === expected ? "invalid_code" : "bad_client_secret";
          return json({ ok: false, error });
        },
      }),
    );
    const apps = [{ id: "slack", server: "slack", client_id: CLIENT_ID }];
    const ok = await doctor({ env: configEnv(apps, { CLIENT_SECRET_SLACK: secret }), fetch: fetcher });
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("HTTP 200 invalid_code");
    const bad = await doctor({ env: configEnv(apps, { CLIENT_SECRET_SLACK: "nope" }), fetch: fetcher });
    expect(bad.code).toBe(1);
    expect(verdict(bad.out, "slack")).toMatch(/^slack: fix needed/);
    expect(calls).toBe(2);
    expectNoSecret(ok, secret);
  });

  it("netsuite without account_id: inconclusive and says --var; with --var it probes that account's host", async () => {
    const secret = "netsuite-secret";
    const seen: string[] = [];
    const fetcher = asFetch(
      routeTo({
        "https://1234567-sb1.suitetalk.api.netsuite.com": async (request) => {
          seen.push(request.url);
          return json({ error: "invalid_grant" }, 400);
        },
      }),
    );
    const env = configEnv([{ id: "ns", server: "netsuite", client_id: CLIENT_ID }], { CLIENT_SECRET_NS: secret });
    const missing = await doctor({ env, fetch: fetcher });
    expect(missing.code).toBe(1);
    expect(verdict(missing.out, "ns")).toMatch(/^ns: inconclusive — .*account_id.*--var account_id=VALUE/);
    expect(seen).toEqual([]);
    const probed = await doctor({ env, fetch: fetcher, vars: { account_id: "1234567-sb1" } });
    expect(probed.code).toBe(0);
    expect(seen).toEqual(["https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"]);
    const invalid = await doctor({ env, fetch: fetcher, vars: { account_id: "evil.example.com/x" } });
    expect(invalid.code).toBe(1);
    expect(verdict(invalid.out, "ns")).toMatch(/^ns: inconclusive — --var account_id:/);
    expect(seen).toHaveLength(1);
  });

  it("DNS failure is reported as such", async () => {
    const fetcher = (async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND api.dropboxapi.com"), { code: "ENOTFOUND" }),
      });
    }) as typeof fetch;
    const env = configEnv([{ id: "dropbox", server: "dropbox", client_id: CLIENT_ID }], {
      CLIENT_SECRET_DROPBOX: "dns-secret",
    });
    const result = await doctor({ env, fetch: fetcher });
    expect(result.code).toBe(1);
    expect(verdict(result.out, "dropbox")).toBe(
      "dropbox: unreachable — DNS: the host name api.dropboxapi.com does not resolve (ENOTFOUND)",
    );
  });
});

describe("doctor: configuration", () => {
  it("an invalid configuration: each problem printed, exit 1, nothing sent", async () => {
    let sent = 0;
    const fetcher = (async () => {
      sent++;
      return json({});
    }) as typeof fetch;
    const env = {
      RELAY_URL,
      APPS: JSON.stringify([{ id: "dropbox", server: "dropbox", client_id: CLIENT_ID }]),
    };
    const result = await doctor({ env, fetch: fetcher });
    expect(result.code).toBe(1);
    expect(result.out).toContain("2 problems; the relay would not start");
    expect(result.out).toContain("  - CLIENT_SECRET_DROPBOX: not set");
    expect(result.out).toContain("  - STATE_KEYS: not set");
    expect(sent).toBe(0);
  });

  it("no APPS: says the relay would run the sandbox; exit 1", async () => {
    const result = await doctor({ env: {} });
    expect(result.code).toBe(1);
    expect(result.out).toContain("APPS is not set");
    expect(result.out).toContain("sandbox");
  });
});

describe("doctor through the CLI", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "doctor-test-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads --env-file, the environment handed over by the entry wins over it", async () => {
    const secret = "cli-secret+from/env=";
    const fake = tokenServer(secret, "form");
    const origin = await serve(fake.handler);
    const file = join(dir, "relay.env");
    const env = configEnv([doctorApp("x", origin)], { CLIENT_SECRET_X: "stale-secret-in-file" });
    writeFileSync(
      file,
      Object.entries(env)
        .map(([name, value]) => `${name}='${value}'\n`)
        .join(""),
    );
    const t = fakeIo();
    expect(await main(["doctor", "--env-file", file], t.io, { CLIENT_SECRET_X: secret })).toBe(0);
    expect(t.out()).toContain(`Configuration (environment + ${file})`);
    expect(verdict(t.out(), "x")).toMatch(/^x: ok/);
    expect(t.err()).toBe("");
    expectNoSecret({ code: 0, out: t.out(), err: t.err() }, secret, "stale-secret-in-file");

    // Without the environment, the file's stale secret is what the relay would use: refused.
    const stale = fakeIo();
    expect(await main(["doctor", "--env-file", file], stale.io, {})).toBe(1);
    expect(verdict(stale.out(), "x")).toMatch(/^x: fix needed/);
  });

  it("usage errors exit 2: unknown app, a --var no app has, a malformed --var, unknown option", async () => {
    const file = join(dir, "usage.env");
    const env = configEnv([{ id: "dropbox", server: "dropbox", client_id: CLIENT_ID }], {
      CLIENT_SECRET_DROPBOX: "usage-secret",
    });
    writeFileSync(
      file,
      Object.entries(env)
        .map(([name, value]) => `${name}='${value}'\n`)
        .join(""),
    );
    for (const args of [
      ["doctor", "--env-file", file, "nosuch"],
      ["doctor", "--env-file", file, "--var", "tenant=common"],
      ["doctor", "--env-file", file, "--var", "no-equals"],
      ["doctor", "--bogus"],
    ]) {
      const t = fakeIo();
      expect(await main(args, t.io, {}), args.join(" ")).toBe(2);
      expect(t.err()).toMatch(/^qorus-oauth-relay doctor: /);
      expect(t.out()).toBe("");
    }
  });

  it("--help on stdout, exit 0", async () => {
    const t = fakeIo();
    expect(await main(["doctor", "--help"], t.io)).toBe(0);
    expect(t.out()).toContain("Usage: qorus-oauth-relay doctor");
  });
});
