/** `qorus-oauth-relay providers`: the catalogue, offline, as JSON and for people. */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { ProviderInfo } from "../../src/cli/providers.js";
import { CATALOGUE } from "../../src/servers/catalogue.js";
import { CATALOGUE_FACTS } from "../../src/servers/catalogue-facts.js";
import { fakeIo } from "./fake-io.js";

async function run(args: string[]) {
  const t = fakeIo();
  const code = await main(args, t.io);
  return { code, out: t.out(), err: t.err() };
}

describe("providers", () => {
  it("--json: one JSON array with every catalogue entry, in catalogue order, with its facts", async () => {
    const { code, out, err } = await run(["providers", "--json"]);
    expect(code).toBe(0);
    expect(err).toBe("");
    const list = JSON.parse(out) as ProviderInfo[];
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((info) => info.id)).toEqual(CATALOGUE.map((entry) => entry.id));
    for (const [index, info] of list.entries()) {
      const entry = CATALOGUE[index];
      expect(info.name).toBe(entry?.name);
      expect(info.token_endpoint).toBe(entry?.token);
      expect(info.unverified).toEqual(CATALOGUE_FACTS[info.id]?.unverified ?? []);
      expect(info.redirect_uri).toBe("<your RELAY_URL>/v1/callback/<app id>");
      expect(info.variables.map((variable) => variable.name)).toEqual(Object.keys(entry?.vars ?? {}));
    }
  });

  it("--json: variables say default, required, operator-only and what they mean; client auth as the relay does it", async () => {
    const list = JSON.parse((await run(["providers", "--json"])).out) as ProviderInfo[];
    const netsuite = list.find((info) => info.id === "netsuite");
    expect(netsuite?.variables[0]).toMatchObject({
      name: "account_id",
      default: null,
      required: true,
      operator_only: false,
      example: "1234567-sb1",
    });
    expect(netsuite?.variables[0]?.description).toContain("NetSuite account ID");
    expect(netsuite?.client_authentication).toEqual({ method: "client_secret_basic", basic_encoding: "raw" });
    const gitlab = list.find((info) => info.id === "gitlab");
    expect(gitlab?.variables.find((variable) => variable.name === "host")).toMatchObject({
      operator_only: true,
      required: false,
    });
    const dropbox = list.find((info) => info.id === "dropbox");
    expect(dropbox?.client_authentication).toEqual({ method: "client_secret_post" });
    expect(dropbox?.scopes.default).toContain("files.content.read");
    expect(dropbox?.notes).toContain("token_access_type=offline");
  });

  it("--relay-url fills in the redirect URI", async () => {
    const { code, out } = await run(["providers", "--json", "--relay-url", "https://oauth.example.com/"]);
    expect(code).toBe(0);
    const list = JSON.parse(out) as ProviderInfo[];
    expect(new Set(list.map((info) => info.redirect_uri))).toEqual(
      new Set(["https://oauth.example.com/v1/callback/<app id>"]),
    );
    const one = await run(["providers", "dropbox", "--relay-url", "https://oauth.example.com"]);
    expect(one.out).toContain("https://oauth.example.com/v1/callback/<app id>");
  });

  it("human output: a table naming every catalogue id, and the redirect URI pattern", async () => {
    const { code, out, err } = await run(["providers"]);
    expect(code).toBe(0);
    expect(err).toBe("");
    const firstColumn = out
      .split("\n")
      .slice(1, 1 + CATALOGUE.length)
      .map((line) => line.split(/\s+/)[0]);
    expect(firstColumn).toEqual(CATALOGUE.map((entry) => entry.id));
    expect(out).toContain(`${CATALOGUE.length} providers.`);
    expect(out).toContain("<your RELAY_URL>/v1/callback/<app id>");
  });

  it("providers <id>: everything about one provider; --json gives that one object", async () => {
    const { code, out } = await run(["providers", "netsuite"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^netsuite — Oracle NetSuite\n/);
    expect(out).toContain("variable account_id");
    expect(out).toContain("required, no default");
    expect(out).toContain("client_secret_basic");
    expect(out).toContain("unverified");
    expect(out).toContain("CLIENT_SECRET_NETSUITE=<client secret>");
    const json = await run(["providers", "slack", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ id: "slack", scopes: { separator: "," } });
  });

  it("an unknown id exits 2 with a clear message on stderr, nothing on stdout", async () => {
    const { code, out, err } = await run(["providers", "nosuch"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain('unknown provider "nosuch"');
    expect(err).toContain("qorus-oauth-relay providers");
    const close = await run(["providers", "micro"]);
    expect(close.code).toBe(2);
    expect(close.err).toContain("did you mean microsoft");
  });

  it("usage errors exit 2", async () => {
    for (const args of [
      ["providers", "google", "dropbox"],
      ["providers", "--relay-url", "ftp://x"],
      ["providers", "--bogus"],
    ]) {
      const { code, out } = await run(args);
      expect(code, args.join(" ")).toBe(2);
      expect(out).toBe("");
    }
  });

  it("--help on stdout, exit 0", async () => {
    const { code, out } = await run(["providers", "--help"]);
    expect(code).toBe(0);
    expect(out).toContain("Usage: qorus-oauth-relay providers");
  });
});
