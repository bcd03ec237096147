/**
 * Upstream fault injection on the token endpoint, for the code exchange (callback) and for refresh
 * (POST /v1/token/<app>). The provider is a real node:http server on 127.0.0.1 (the generic server
 * profile allows loopback http for local testing), so the relay's real fetch, timeout and streamed
 * body cap are exercised over a socket. For every fault: exactly one upstream request, the
 * documented error delivered to the instance with its state (or returned to the refresh caller),
 * bounded time, and neither the client secret nor the upstream body in what the browser sees.
 * The mapping is documented in docs/SECURITY.md ("Upstream faults").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { genericApp } from "../harness/generic-app.js";
import { type InProcessRelay, inProcessRelay, newStateKeys } from "../harness/relay.js";

const TIMEOUT_MS = 300;
const SECRET = "client-SECRET-0f9e8d7c";
const UPSTREAM_MARKER = "UPSTREAM-BODY-MARKER";
const RETURN_TO = "http://127.0.0.1:8011/oauth2/relay";
const INSTANCE_STATE = "instance-state-0123456789abcdef";
const TEN_MB = 10 * 1024 * 1024;

type Fault = (req: IncomingMessage, res: ServerResponse) => void;

interface FakeServer {
  server: Server;
  url: string;
  requests: number;
  /** Bytes the fault handler managed to write before the relay went away (over-cap case). */
  bytesWritten: number;
  closedAfterBytes: number | null;
  fault: Fault;
  sockets: Set<Socket>;
}

async function startServer(): Promise<FakeServer> {
  const fake: FakeServer = {
    server: createServer(),
    url: "",
    requests: 0,
    bytesWritten: 0,
    closedAfterBytes: null,
    fault: (_req, res) => res.end(),
    sockets: new Set(),
  };
  fake.server.on("connection", (socket) => {
    fake.sockets.add(socket);
    socket.on("close", () => fake.sockets.delete(socket));
  });
  fake.server.on("request", (req, res) => {
    fake.requests += 1;
    // Drain the request body first so the fault applies to the response only.
    req.resume();
    req.on("end", () => fake.fault(req, res));
  });
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const FAULTS: Record<string, (fake: FakeServer, other: FakeServer) => Fault> = {
  hang: () => () => {
    /* never answers */
  },
  "slow headers": () => (_req, res) => {
    setTimeout(() => json(res, 200, { access_token: "late", token_type: "bearer" }), TIMEOUT_MS * 4).unref();
  },
  "slow body": () => (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"access_token":"');
    // One byte every 50 ms: the body would take ~5 s, far past the timeout.
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent++ > 100) {
        clearInterval(timer);
        if (!res.destroyed) res.end('","token_type":"bearer"}');
        return;
      }
      res.write("a");
    }, 50);
    timer.unref();
  },
  "connection reset": () => (req) => {
    req.socket.destroy();
  },
  "5xx JSON": () => (_req, res) => json(res, 500, { error: "server_error", error_description: UPSTREAM_MARKER }),
  "5xx HTML": () => (_req, res) => {
    res.writeHead(503, { "content-type": "text/html" });
    res.end(`<html><body><h1>${UPSTREAM_MARKER}</h1><script>alert(1)</script></body></html>`);
  },
  "400 text/plain": () => (_req, res) => {
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(`Error in call to API function "oauth2/token": ${UPSTREAM_MARKER}`);
  },
  "invalid JSON": () => (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`{"access_token": "${UPSTREAM_MARKER}", "token_type": bearer`);
  },
  "JSON without access_token": () => (_req, res) =>
    json(res, 200, { token_type: "bearer", note: UPSTREAM_MARKER, expires_in: 3600 }),
  "body over the cap": (fake) => (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(16 * 1024, "a");
    res.write('{"access_token":"');
    // Paced (16 KiB per timer tick, ~10 MB/s) so that what the server manages to write measures
    // how long the relay kept reading, not how much the kernel's loopback buffers absorb.
    const pump = () => {
      if (res.destroyed) return;
      if (fake.bytesWritten >= TEN_MB) return void res.end('","token_type":"bearer"}');
      fake.bytesWritten += chunk.length;
      res.write(chunk);
      setTimeout(pump, 1);
    };
    res.on("close", () => {
      fake.closedAfterBytes ??= fake.bytesWritten;
      process.stdout.write(`over-cap body: socket closed after ${fake.bytesWritten} bytes written\n`);
    });
    pump();
  },
  "3xx to another host": (_fake, other) => (_req, res) => {
    res.writeHead(307, { location: `${other.url}/token` });
    res.end();
  },
};

/** What the instance gets (callback) and what the refresh caller gets, per fault. */
const EXPECTED: Record<
  string,
  { exchange: string; refreshStatus: number; refreshError: string | null; slow: boolean }
> = {
  hang: {
    exchange: "temporarily_unavailable",
    refreshStatus: 504,
    refreshError: "temporarily_unavailable",
    slow: true,
  },
  "slow headers": {
    exchange: "temporarily_unavailable",
    refreshStatus: 504,
    refreshError: "temporarily_unavailable",
    slow: true,
  },
  "slow body": {
    exchange: "temporarily_unavailable",
    refreshStatus: 504,
    refreshError: "temporarily_unavailable",
    slow: true,
  },
  "connection reset": {
    exchange: "temporarily_unavailable",
    refreshStatus: 502,
    refreshError: "temporarily_unavailable",
    slow: false,
  },
  // docs/PROTOCOL.md §3.5: a provider error comes back with the provider's status and JSON body.
  "5xx JSON": { exchange: "temporarily_unavailable", refreshStatus: 500, refreshError: "server_error", slow: false },
  "5xx HTML": { exchange: "temporarily_unavailable", refreshStatus: 502, refreshError: "server_error", slow: false },
  "400 text/plain": { exchange: "server_error", refreshStatus: 502, refreshError: "server_error", slow: false },
  "invalid JSON": { exchange: "server_error", refreshStatus: 502, refreshError: "server_error", slow: false },
  // A success status without a usable token is no success, on either path: the exchange delivers
  // server_error, the refresh caller gets 502 saying what was missing; neither is recorded.
  "JSON without access_token": {
    exchange: "server_error",
    refreshStatus: 502,
    refreshError: "server_error",
    slow: false,
  },
  "body over the cap": { exchange: "server_error", refreshStatus: 502, refreshError: "server_error", slow: false },
  "3xx to another host": { exchange: "server_error", refreshStatus: 502, refreshError: "server_error", slow: false },
};

describe("upstream faults on the token endpoint", () => {
  let fake: FakeServer;
  let other: FakeServer;
  let app: InProcessRelay;
  let records: string[];
  let instanceKey: JsonWebKey;

  beforeAll(async () => {
    fake = await startServer();
    other = await startServer();
    other.fault = (_req, res) => json(res, 200, { access_token: "stolen", token_type: "bearer" });
    app = await inProcessRelay(
      {
        RELAY_URL: "https://relay.example.com",
        STATE_KEYS: newStateKeys("k1"),
        RATE_LIMIT: "off",
        UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
        APPS: JSON.stringify([genericApp("faulty", fake.url, { method: "client_secret_post" })]),
        CLIENT_SECRET_FAULTY: SECRET,
      },
      // The real global fetch talks to the fake over loopback.
      { outbound: (request) => fetch(request) },
    );
    records = app.records;
    const pair = (await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
    const { kty, crv, x } = await crypto.subtle.exportKey("jwk", pair.publicKey);
    instanceKey = { kty, crv, x };
  });

  afterAll(async () => {
    for (const server of [fake, other]) {
      for (const socket of server.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.server.close(() => resolve()));
    }
  });

  beforeEach(() => {
    fake.requests = 0;
    other.requests = 0;
    fake.bytesWritten = 0;
    fake.closedAfterBytes = null;
    records.length = 0;
  });

  async function startFlow(): Promise<string> {
    const response = await app.request("/v1/flows", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        app: "faulty",
        return_to: RETURN_TO,
        state: INSTANCE_STATE,
        key: instanceKey,
        response_mode: "query",
      }),
    });
    expect(response.status).toBe(201);
    const { authorization_url } = (await response.json()) as { authorization_url: string };
    return new URL(authorization_url).searchParams.get("state") ?? "";
  }

  function assertNothingLeaked(seen: string): void {
    expect(seen).not.toContain(SECRET);
    expect(seen).not.toContain(UPSTREAM_MARKER);
    expect(seen).not.toContain("alert(1)");
  }

  /** Exactly one upstream request, none elsewhere, in bounded time, no record; an oversize body cut early. */
  async function expectOneBoundedUpstreamCall(name: string, elapsed: number, limit: number): Promise<void> {
    expect(fake.requests).toBe(1);
    expect(other.requests).toBe(0);
    expect(elapsed).toBeLessThan(limit);
    expect(records).toEqual([]);
    if (name === "body over the cap") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The relay stopped reading past 64 KiB and cancelled: the server saw the socket go away long
      // before 10 MB were written (under 1 MB; loopback socket buffers account for the slack).
      expect(fake.closedAfterBytes).not.toBeNull();
      expect(fake.closedAfterBytes ?? TEN_MB).toBeLessThan(TEN_MB / 10);
    }
  }

  for (const [name, makeFault] of Object.entries(FAULTS)) {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectation for ${name}`);
    const limit = expected.slow ? TIMEOUT_MS + 1500 : 1500;

    it(`code exchange — ${name}: ${expected.exchange} delivered with state, one request, < ${limit} ms`, async () => {
      fake.fault = makeFault(fake, other);
      const state = await startFlow();
      const started = performance.now();
      const response = await app.request(`/v1/callback/faulty?code=the-code&state=${encodeURIComponent(state)}`);
      const elapsed = performance.now() - started;
      const body = await response.text();
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(RETURN_TO);
      expect(location.searchParams.get("error")).toBe(expected.exchange);
      expect(location.searchParams.get("state")).toBe(INSTANCE_STATE);
      expect(location.searchParams.get("result")).toBeNull();
      expect(location.hash).toBe("#_");
      assertNothingLeaked(decodeURIComponent(location.href) + body);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      await expectOneBoundedUpstreamCall(name, elapsed, limit);
    });

    it(`refresh — ${name}: ${expected.refreshStatus} to the caller, one request, < ${limit} ms`, async () => {
      fake.fault = makeFault(fake, other);
      const started = performance.now();
      const response = await app.request("/v1/token/faulty", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=rt-123",
      });
      const elapsed = performance.now() - started;
      const text = await response.text();
      expect(response.status).toBe(expected.refreshStatus);
      expect(response.headers.get("content-type") ?? "").toMatch(/^application\/json/);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const body = JSON.parse(text) as Record<string, unknown>;
      if (expected.refreshError !== null) expect(body.error).toBe(expected.refreshError);
      // Non-JSON upstream bodies never pass through; the client secret never appears.
      expect(text).not.toContain(SECRET);
      if (name !== "5xx JSON") expect(text).not.toContain(UPSTREAM_MARKER);
      await expectOneBoundedUpstreamCall(name, elapsed, limit);
    });
  }

  it("a healthy token endpoint still works over the same path (control)", async () => {
    fake.fault = (_req, res) => json(res, 200, { access_token: "at", token_type: "Bearer", expires_in: 60 });
    const state = await startFlow();
    const response = await app.request(`/v1/callback/faulty?code=c&state=${encodeURIComponent(state)}`);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBeNull();
    expect(location.searchParams.get("result")?.split(".")).toHaveLength(5);
    expect(fake.requests).toBe(1);
    expect(records).toEqual(['{"server":"faulty","grant":"authorization_code"}']);
  });
});
