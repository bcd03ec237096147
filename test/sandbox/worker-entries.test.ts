/**
 * The two Workers entries: the production bundle (src/workers/relay.ts) leaves the sandbox server
 * out and fails closed with SANDBOX=1; the dev-only src/workers/sandbox.ts (`wrangler dev --env sandbox`)
 * has it, and runs zero-config from wrangler.toml's [env.sandbox] vars. On workerd, bundled as
 * wrangler bundles them.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { openResult, readDelivery, startFlow } from "../harness/instance.js";
import { freePort, newStateKeys, startRelay, type WorkerEntry, workerBundle } from "../harness/relay.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Text of the sandbox's consent page: in the bundle only if the sandbox server is. */
const CONSENT_TEXT = "to access your sandbox account?";

/** `wrangler deploy --dry-run`: the exact script Cloudflare would receive, and wrangler's report. */
async function wranglerBundle(env: string): Promise<{ code: string; report: string }> {
  const outdir = await mkdtemp(join(tmpdir(), "relay-entry-bundle-"));
  try {
    const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
    const { stdout } = await promisify(execFile)(
      wrangler,
      ["deploy", "--dry-run", `--env=${env}`, "--outdir", outdir],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" } },
    );
    const file = (await readdir(outdir)).find((name) => name.endsWith(".js"));
    if (!file) throw new Error("wrangler emitted no .js file");
    return { code: await readFile(join(outdir, file), "utf8"), report: stdout };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

describe("the sandbox is only in the dev entry's bundle", () => {
  it.each<[string, WorkerEntry, boolean]>([
    ["production", "src/workers/relay.ts", false],
    ["sandbox", "src/workers/sandbox.ts", true],
  ])("%s entry bundled as the workerd tests run it", async (_name, entry, hasSandbox) => {
    expect((await workerBundle(entry)).includes(CONSENT_TEXT)).toBe(hasSandbox);
  });

  it.each([
    ["", false],
    ["sandbox", true],
  ])("wrangler deploy --dry-run --env=%j", async (env, hasSandbox) => {
    expect((await wranglerBundle(env)).code.includes(CONSENT_TEXT)).toBe(hasSandbox);
  });

  it("the production bundle stays within its 44 KiB gzip budget, as wrangler reports it (a size, not a timing; bench figure 5)", async () => {
    const { code, report } = await wranglerBundle("");
    // The figure DESIGN's budget names: wrangler's "Total Upload: … / gzip: N KiB" line, which is
    // zlib's default level over the uploaded script; checked against our own count of the same.
    const printed = /Total Upload: [\d.]+ KiB \/ gzip: ([\d.]+) KiB/.exec(report)?.[1];
    expect(printed, report).toBeDefined();
    const gzipped = gzipSync(code).length;
    expect(Number(printed)).toBeCloseTo(gzipped / 1024, 2);
    // The relay entry's budget: the sandbox and the Qorus bridge are separate entries. What takes
    // the room (hono, jose, zod, the catalogue) is in docs/DECISIONS.md #37.
    expect(gzipped).toBeLessThanOrEqual(44 * 1024);
    expect(gzipped).toBeGreaterThan(10 * 1024); // a real bundle, not an empty file
  });

  it("the file wrangler uploads is the one the workerd tests run (scripts/build.mjs's output)", async () => {
    expect((await wranglerBundle("")).code).toBe(await workerBundle("src/workers/relay.ts"));
  });
});

describe("production entry (src/workers/relay.ts) on workerd", () => {
  const base = () => ({
    RELAY_URL: "https://relay.example.org",
    STATE_KEYS: newStateKeys(),
    APPS: JSON.stringify([{ id: "dropbox", server: "dropbox", client_id: "dbx-client" }]),
    CLIENT_SECRET_DROPBOX: "dbx-secret-value",
  });

  it("with SANDBOX=1 fails closed: every request 500, saying to use `wrangler dev --env sandbox`", async () => {
    const relay = await startRelay("workerd", { ...base(), SANDBOX: "1" }, { worker: "src/workers/relay.ts" });
    try {
      for (const path of ["/healthz", "/v1/apps", "/sandbox/authorize"]) {
        const response = await fetch(`${relay.url}${path}`);
        expect(response.status, path).toBe(500);
        const body = (await response.json()) as { error: string; error_description: string };
        expect(body.error).toBe("server_error");
        expect(body.error_description).toContain("SANDBOX: this build has no sandbox server");
        expect(body.error_description).toContain("npx wrangler dev --env sandbox");
      }
    } finally {
      await relay.close();
    }
  });

  it("without SANDBOX answers 404 under /sandbox", async () => {
    const relay = await startRelay("workerd", base());
    try {
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
      for (const path of ["/sandbox/authorize", "/sandbox/tokeninfo"])
        expect((await fetch(`${relay.url}${path}`)).status, path).toBe(404);
      expect((await fetch(`${relay.url}/sandbox/token`, { method: "POST" })).status).toBe(404);
    } finally {
      await relay.close();
    }
  });
});

describe("sandbox entry (src/workers/sandbox.ts) on workerd", () => {
  it("runs on [env.sandbox]'s vars alone: ephemeral secrets, Approve delivers a token", async () => {
    const { vars } = unstable_readConfig({ config: join(ROOT, "wrangler.toml"), env: "sandbox" });
    const port = await freePort();
    const relayUrl = `http://127.0.0.1:${port}`;
    // Only the port differs from a plain `npx wrangler dev --env sandbox`: no STATE_KEYS, no client secret.
    const env = { ...(vars as Record<string, string>), RELAY_URL: relayUrl, PORT: String(port) };
    expect(Object.keys(env).filter((name) => /STATE_KEYS|CLIENT_SECRET/.test(name))).toEqual([]);
    const relay = await startRelay("workerd", env);
    try {
      const flow = await startFlow(relay.url, {
        app: "sandbox",
        return_to: "http://127.0.0.1:8011/oauth2/relay",
        response_mode: "query",
      });
      const consent = await fetch(flow.authorizationUrl);
      const page = await consent.text();
      expect(page).toContain(CONSENT_TEXT);
      const request = /name="request" value="([^"]+)"/.exec(page)?.[1] ?? "";
      const approved = await fetch(`${relayUrl}/sandbox/authorize`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ request, decision: "approve" }),
        redirect: "manual",
      });
      expect(approved.status).toBe(303);
      const callback = await fetch(approved.headers.get("location") ?? "", { redirect: "manual" });
      const opened = await openResult(flow, await readDelivery(callback));
      expect(opened.claims).toMatchObject({ app: "sandbox", server: "sandbox" });
      expect(String(opened.claims.token.access_token)).toMatch(/^sbx_at_/);
    } finally {
      await relay.close();
    }
  });
});
