/**
 * The newcomer's path, end to end, with real processes: `npm start` with no configuration (sandbox
 * mode), the CLI `login sandbox --no-open` as the instance, and this test as the user's browser.
 */
import { readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, cli, freePort, type Running, run } from "../harness/processes.js";
import { decide } from "./user-agent.js";

let relay: Running;
let relayUrl: string;

beforeAll(async () => {
  const port = await freePort();
  relay = run("npm", ["start", "--silent"], cleanEnv({ PORT: String(port) }), true);
  const banner = await relay.waitForStderr(/npx qorus-oauth-relay login sandbox --relay (\S+)/, 30_000);
  relayUrl = banner[1] ?? "";
  expect(relayUrl).toBe(`http://127.0.0.1:${port}`);
});

afterAll(async () => {
  await relay?.stop();
});

async function tokenInfo(accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${relayUrl}/sandbox/tokeninfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function startLogin(extra: string[]): Promise<{ login: Running; authorizationUrl: string }> {
  const login = cli(["login", "sandbox", "--no-open", "--relay", relayUrl, ...extra]);
  const match = await login.waitForStderr(/^\s+(http:\/\/\S+\/sandbox\/authorize\?\S+)$/m);
  await login.waitForStderr(/Waiting for the relay to deliver the result/);
  return { login, authorizationUrl: match[1] ?? "" };
}

describe("npm start with no configuration", () => {
  it("says it is a sandbox, on loopback, and shows the next command", () => {
    expect(relay.stderr()).toContain("SANDBOX MODE");
    expect(relay.stderr()).toContain("loopback only");
  });

  it("serves the sandbox app", async () => {
    const apps = cli(["apps", "--relay", relayUrl]);
    expect(await apps.exited).toBe(0);
    expect(apps.stdout()).toContain("sandbox");
    expect(apps.stdout()).toContain(`redirect URI: ${relayUrl}/v1/callback/sandbox`);
  });
});

describe.concurrent("login sandbox, approve", () => {
  it("form_post: prints a token response the sandbox issued; refresh then works", async () => {
    const { login, authorizationUrl } = await startLogin([]);
    const walk = await decide(authorizationUrl, "approve");
    expect(walk.seen).toBe("form_post");
    expect(walk.final.status).toBe(200);
    expect(await login.exited).toBe(0);
    const token = JSON.parse(login.stdout()) as Record<string, string>;
    expect(token.token_type).toBe("Bearer");
    expect(token.access_token).toMatch(/^sbx_at_/);
    expect(login.stderr()).not.toContain(token.access_token);
    const info = await tokenInfo(token.access_token ?? "");
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ active: true, client_id: "sandbox-client", scope: "profile" });

    const refreshed = cli(["refresh", "sandbox", "--refresh-token", token.refresh_token ?? "", "--relay", relayUrl]);
    expect(await refreshed.exited).toBe(0);
    const next = JSON.parse(refreshed.stdout()) as Record<string, string>;
    expect(next.access_token).toMatch(/^sbx_at_/);
    expect(next.access_token).not.toBe(token.access_token);
    expect((await tokenInfo(next.access_token ?? "")).body.active).toBe(true);

    // The spent refresh token is refused (rotation): non-zero exit, the provider's reason.
    const again = cli(["refresh", "sandbox", "--refresh-token", token.refresh_token ?? "", "--relay", relayUrl]);
    expect(await again.exited).toBe(1);
    expect(again.stderr()).toContain("invalid_grant");
    expect(again.stdout()).toBe("");
  });

  it("query, --out FILE: writes the token response with mode 0600, nothing on stdout", async () => {
    const out = join(tmpdir(), `qor-token-${process.pid}-${Date.now()}.json`);
    try {
      const { login, authorizationUrl } = await startLogin(["--mode", "query", "--out", out]);
      const walk = await decide(authorizationUrl, "approve");
      expect(walk.seen).toBe("query");
      expect(await login.exited).toBe(0);
      expect(login.stdout()).toBe("");
      expect((await stat(out)).mode & 0o777).toBe(0o600);
      const token = JSON.parse(await readFile(out, "utf8")) as Record<string, string>;
      expect((await tokenInfo(token.access_token ?? "")).body.active).toBe(true);
    } finally {
      await rm(out, { force: true });
    }
  });

  it("fragment, P-256 instance key: the page posts the fragment back", async () => {
    const { login, authorizationUrl } = await startLogin(["--mode", "fragment", "--curve", "P-256"]);
    const walk = await decide(authorizationUrl, "approve");
    expect(walk.seen).toBe("fragment");
    expect(walk.final.status).toBe(200);
    expect(await login.exited).toBe(0);
    const token = JSON.parse(login.stdout()) as Record<string, string>;
    expect((await tokenInfo(token.access_token ?? "")).body.active).toBe(true);
  });
});

describe.concurrent("login sandbox, failures", () => {
  it("Deny: exits non-zero with the reason on one line", async () => {
    const { login, authorizationUrl } = await startLogin(["--mode", "query"]);
    const walk = await decide(authorizationUrl, "deny");
    expect(walk.final.status).toBe(400);
    expect(await login.exited).toBe(1);
    expect(login.stdout()).toBe("");
    const lastLine = login.stderr().trim().split("\n").at(-1) ?? "";
    expect(lastLine).toMatch(/^qorus-oauth-relay: login failed: access_denied: The sandbox user denied the request\.$/);
  });

  it("timeout: exits non-zero", async () => {
    const { login } = await startLogin(["--timeout", "1"]);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain("timed out after 1s");
  });

  it("unknown app: the relay's error, non-zero", async () => {
    const login = cli(["login", "nosuch", "--no-open", "--relay", relayUrl]);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain('unknown app "nosuch"');
  });

  it("--var reaches the relay: a variable the sandbox does not have is the relay's 400, named", async () => {
    const login = cli(["login", "sandbox", "--no-open", "--relay", relayUrl, "--var", "account_id=1234567"]);
    expect(await login.exited).toBe(1);
    expect(login.stderr()).toContain("vars.account_id: Sandbox takes no template variables");
  });
});

describe("npm start with APPS set", () => {
  it("is the normal relay: missing variables fail closed, named", async () => {
    const port = await freePort();
    const configured = run(
      "npm",
      ["start", "--silent"],
      cleanEnv({ PORT: String(port), APPS: '[{"id":"dropbox","server":"dropbox","client_id":"abc"}]' }),
      true,
    );
    expect(await configured.exited).toBe(1);
    const stderr = configured.stderr();
    expect(stderr).toContain("RELAY_URL");
    expect(stderr).toContain("STATE_KEYS");
    expect(stderr).toContain("CLIENT_SECRET_DROPBOX");
    expect(stderr).not.toContain("SANDBOX MODE");
  });
});

describe("npm start under a supervisor", () => {
  it("SIGTERM to the npm start process (not its group) stops the relay: nothing left answering", async () => {
    const port = await freePort();
    // Not a process group of our own: the signal goes to npm's PID only, as systemd or a container
    // runtime sends it. npm passes it to its child, which `exec` made the relay itself.
    const started = run("npm", ["start", "--silent"], cleanEnv({ PORT: String(port) }), false);
    await started.waitForStderr(/listening on http:\/\/127\.0\.0\.1:\d+/, 30_000);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    started.child.kill("SIGTERM");
    await started.exited;
    const deadline = Date.now() + 5000;
    let answering = true;
    while (answering && Date.now() < deadline) {
      answering = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      );
      if (answering) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answering).toBe(false);
  });
});
