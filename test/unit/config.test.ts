/**
 * Configuration fails closed (README "Configuration"; docs/SECURITY.md S7, S17, S21, S37, S56, S57): every
 * problem names its variable, and no message ever carries a secret (state key or client secret).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, isUnconfigured, loadConfig, loadNodeConfig, sandboxDefaults } from "../../src/config.js";
import { startNodeRelay } from "../../src/node/server.js";

const KEY_A = "Q2hhbmdlTWVDaGFuZ2VNZUNoYW5nZU1lQ2hhbmdlTWU"; // 43 chars, 32 bytes
const KEY_B = "U2VjcmV0U2VjcmV0U2VjcmV0U2VjcmV0U2VjcmV0MDA";
const SECRET = "CLIENT_SECRET_VALUE_SENTINEL_4f9a";

const generic = (overrides: Record<string, unknown> = {}) => ({
  id: "acme",
  authorization_endpoint: "https://as.acme.com/authorize",
  token_endpoint: "https://as.acme.com/token",
  pkce: "S256",
  ...overrides,
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    RELAY_URL: "https://oauth.example.com",
    STATE_KEYS: `k1:${KEY_A}`,
    APPS: JSON.stringify([
      { id: "dropbox", server: "dropbox", client_id: "abc" },
      { id: "ms", server: "microsoft", client_id: "def", tenant: "common" },
    ]),
    CLIENT_SECRET_DROPBOX: SECRET,
    CLIENT_SECRET_MS: SECRET,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Through loadNodeConfig: everything loadConfig checks, plus the Node listener's variables. */
async function failure(values: Record<string, string>): Promise<string> {
  try {
    await loadNodeConfig(values);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("configuration was accepted");
}

const apps = (list: unknown[]) => JSON.stringify(list);

const CASES: Array<[string, Record<string, string | undefined>, string, RegExp?]> = [
  ["PORT not a port", { PORT: "70000" }, "PORT"],
  ["TLS cert without key", { TLS_CERT_FILE: "/etc/cert.pem" }, "TLS_CERT_FILE and TLS_KEY_FILE"],
  ["HTTP_HEADERS_TIMEOUT_MS too small", { HTTP_HEADERS_TIMEOUT_MS: "5" }, "HTTP_HEADERS_TIMEOUT_MS"],
  ["HTTP_MAX_CONNECTIONS zero", { HTTP_MAX_CONNECTIONS: "0" }, "HTTP_MAX_CONNECTIONS"],
  ["RELAY_URL missing", { RELAY_URL: undefined }, "RELAY_URL"],
  ["RELAY_URL not a URL", { RELAY_URL: "oauth.example.com" }, "RELAY_URL"],
  ["RELAY_URL plain http off loopback", { RELAY_URL: "http://oauth.example.com" }, "RELAY_URL"],
  ["RELAY_URL trailing slash", { RELAY_URL: "https://oauth.example.com/" }, "RELAY_URL"],
  ["RELAY_URL with query", { RELAY_URL: "https://oauth.example.com?x=1" }, "RELAY_URL"],
  ["RELAY_URL with userinfo", { RELAY_URL: "https://user:pass@oauth.example.com" }, "RELAY_URL"],
  ["STATE_KEYS missing", { STATE_KEYS: undefined }, "STATE_KEYS"],
  ["STATE_KEYS empty", { STATE_KEYS: "  " }, "STATE_KEYS"],
  ["STATE_KEYS short key", { STATE_KEYS: `k1:${KEY_A.slice(0, 30)}` }, "STATE_KEYS", /32 random bytes/],
  ["STATE_KEYS long key", { STATE_KEYS: `k1:${KEY_A}AAAA` }, "STATE_KEYS", /32 random bytes/],
  ["STATE_KEYS not base64url", { STATE_KEYS: `k1:${KEY_A.slice(0, 42)}+` }, "STATE_KEYS"],
  ["STATE_KEYS duplicate kid", { STATE_KEYS: `k1:${KEY_A},k1:${KEY_B}` }, "STATE_KEYS", /duplicate/],
  ["STATE_KEYS same key twice", { STATE_KEYS: `k1:${KEY_A},k2:${KEY_A}` }, "STATE_KEYS", /distinct/],
  ["STATE_KEYS without kid", { STATE_KEYS: KEY_A }, "STATE_KEYS", /kid:key/],
  ["STATE_KEYS reversed (key:kid)", { STATE_KEYS: `${KEY_A}:k1` }, "STATE_KEYS"],
  ["STATE_KEYS empty entry", { STATE_KEYS: `k1:${KEY_A},` }, "STATE_KEYS"],
  ["APPS missing", { APPS: undefined }, "APPS"],
  ["APPS bad JSON", { APPS: `[{"id":"dropbox",` }, "APPS", /JSON/],
  ["APPS not an array", { APPS: '{"id":"dropbox"}' }, "APPS"],
  ["APPS empty array", { APPS: "[]" }, "APPS"],
  [
    "APPS unknown server",
    { APPS: apps([{ id: "gh", server: "no-such-provider", client_id: "x" }]) },
    "APPS",
    /unknown server "no-such-provider"; `qorus-oauth-relay providers` lists/,
  ],
  [
    "APPS params the relay sets itself",
    { APPS: apps([{ id: "dropbox", server: "dropbox", client_id: "x", params: { fixed: { redirect_uri: "x" } } }]) },
    "APPS",
    /APPS\[0\] \(dropbox\)\.params: "redirect_uri" is set by the relay itself/,
  ],
  [
    "APPS a variable the server does not have",
    { APPS: apps([{ id: "dropbox", server: "dropbox", client_id: "x", vars: { tenant: "common" } }]) },
    "APPS",
    /APPS\[0\] \(dropbox\)\.vars\.tenant: Dropbox takes no template variables/,
  ],
  [
    "APPS a variable value with a path",
    { APPS: apps([{ id: "ns", server: "netsuite", client_id: "x", vars: { account_id: "evil.com/x" } }]) },
    "APPS",
    /\.vars\.account_id: "evil\.com\/x" is not a valid account_id for Oracle NetSuite/,
  ],
  [
    "APPS tenant and vars.tenant disagree",
    {
      APPS: apps([{ id: "ms", server: "microsoft", client_id: "x", tenant: "common", vars: { tenant: "consumers" } }]),
    },
    "APPS",
    /"tenant" and "vars\.tenant" differ/,
  ],
  [
    "APPS basic_encoding not raw or form",
    { APPS: apps([{ id: "ns", server: "netsuite", client_id: "x", basic_encoding: "base64" }]) },
    "APPS",
  ],
  [
    "APPS generic http endpoint",
    { APPS: apps([{ id: "acme", server: generic({ token_endpoint: "http://as.acme.com/token" }), client_id: "x" }]) },
    "APPS",
    /https/,
  ],
  [
    "APPS generic pkce plain",
    { APPS: apps([{ id: "acme", server: generic({ pkce: "plain" }), client_id: "x" }]) },
    "APPS",
    /S256/,
  ],
  [
    "APPS generic pkce plain names the field",
    { APPS: apps([{ id: "acme", server: generic({ pkce: "plain" }), client_id: "x" }]) },
    "APPS",
    /APPS\[0\]\.server\.pkce: must be "S256"/,
  ],
  [
    "APPS generic state_max not a whole number",
    { APPS: apps([{ id: "acme", server: generic({ state_max: 512.5 }), client_id: "x" }]) },
    "APPS",
    /APPS\[0\]\.server\.state_max: must be a whole number from 256 to 65536/,
  ],
  [
    "APPS generic iss_parameter not a boolean",
    { APPS: apps([{ id: "acme", server: generic({ iss_parameter: "yes" }), client_id: "x" }]) },
    "APPS",
    /APPS\[0\]\.server\.iss_parameter: must be true or false/,
  ],
  [
    "APPS without client_id",
    { APPS: apps([{ id: "dropbox", server: "dropbox" }]) },
    "APPS",
    /APPS\[0\]\.client_id: is required/,
  ],
  [
    "APPS server neither an id nor an object",
    { APPS: apps([{ id: "acme", server: 42, client_id: "x" }]) },
    "APPS",
    /APPS\[0\]\.server: must be a catalogue id \(a string\) or a server object/,
  ],
  [
    "APPS server a list",
    { APPS: apps([{ id: "acme", server: ["google"], client_id: "x" }]) },
    "APPS",
    /APPS\[0\]\.server: must be a catalogue id \(a string\) or a server object/,
  ],
  [
    "APPS server id with capitals",
    { APPS: apps([{ id: "acme", server: "Google", client_id: "x" }]) },
    "APPS",
    /APPS\[0\]\.server: must be a catalogue id \(a-z 0-9 _ -\)/,
  ],
  [
    "APPS generic without pkce",
    { APPS: apps([{ id: "acme", server: generic({ pkce: undefined }), client_id: "x" }]) },
    "APPS",
  ],
  [
    "APPS generic unknown auth method",
    { APPS: apps([{ id: "acme", server: generic({ token_endpoint_auth_method: "none" }), client_id: "x" }]) },
    "APPS",
  ],
  [
    "missing CLIENT_SECRET_<ID>",
    { APPS: apps([{ id: "my-app_1", server: "dropbox", client_id: "x" }]) },
    "CLIENT_SECRET_MY_APP_1",
  ],
  ["missing CLIENT_SECRET_MS", { CLIENT_SECRET_MS: undefined }, "CLIENT_SECRET_MS"],
  [
    "invalid Microsoft tenant",
    { APPS: apps([{ id: "ms", server: "microsoft", client_id: "x", tenant: "../evil" }]) },
    "APPS",
    /tenant/,
  ],
  [
    "tenant on Dropbox",
    { APPS: apps([{ id: "dropbox", server: "dropbox", client_id: "x", tenant: "common" }]) },
    "APPS",
    /tenant/,
  ],
  [
    "duplicate app id",
    {
      APPS: apps([
        { id: "dropbox", server: "dropbox", client_id: "x" },
        { id: "dropbox", server: "dropbox", client_id: "y" },
      ]),
    },
    "APPS",
    /duplicate/,
  ],
  ["sandbox without SANDBOX=1", { APPS: apps([{ id: "sb", server: "sandbox", client_id: "x" }]) }, "SANDBOX=1"],
  [
    "default scope outside the allow-list",
    { APPS: apps([{ id: "dropbox", server: "dropbox", client_id: "x", scopes: { default: ["team_data.member"] } }]) },
    "APPS",
    /allow-list/,
  ],
  ["upper-case app id", { APPS: apps([{ id: "Dropbox", server: "dropbox", client_id: "x" }]) }, "APPS"],
  [
    "client secret placed in APPS",
    { APPS: apps([{ id: "dropbox", server: "dropbox", client_id: "x", client_secret: SECRET }]) },
    "APPS",
  ],
  [
    "token endpoint from the wrong place (unknown field)",
    { APPS: apps([{ id: "dropbox", server: "dropbox", client_id: "x", token_endpoint: "https://evil.example" }]) },
    "APPS",
  ],
  ["RETURN_ORIGINS with a path", { RETURN_ORIGINS: "https://qorus.acme.com/cb" }, "RETURN_ORIGINS"],
  ["RETURN_ORIGINS bad scheme", { RETURN_ORIGINS: "ftp://qorus.acme.com" }, "RETURN_ORIGINS"],
  ["RETURN_ORIGINS wildcard on a TLD", { RETURN_ORIGINS: "https://*.com" }, "RETURN_ORIGINS"],
  ["RETURN_ORIGINS not an origin", { RETURN_ORIGINS: "qorus.acme.com" }, "RETURN_ORIGINS"],
  ["RETURN_POLICY unknown", { RETURN_POLICY: "open" }, "RETURN_POLICY"],
  ["STATE_TTL over 900", { STATE_TTL: "901" }, "STATE_TTL", /900/],
  ["STATE_TTL not a number", { STATE_TTL: "10m" }, "STATE_TTL"],
  ["STATE_TTL negative", { STATE_TTL: "-5" }, "STATE_TTL"],
  ["UPSTREAM_TIMEOUT_MS not a number", { UPSTREAM_TIMEOUT_MS: "fast" }, "UPSTREAM_TIMEOUT_MS"],
];

describe("loadConfig fails closed", () => {
  it.each(CASES.map(([label, overrides, variable, detail]) => [label, variable, overrides, detail] as const))(
    "%s → names %s, no secret",
    async (_label, variable, overrides, detail) => {
      const message = await failure(env(overrides));
      expect(message).toContain(variable);
      if (detail) expect(message).toMatch(detail);
      for (const secret of [SECRET, KEY_A, KEY_B, KEY_A.slice(0, 12), KEY_B.slice(0, 12)]) {
        expect(message).not.toContain(secret);
      }
      expect(message).not.toMatch(/\n\s+at /);
    },
  );

  it("reports every problem at once", async () => {
    const message = await failure(env({ RELAY_URL: undefined, STATE_TTL: "9999", RETURN_POLICY: "x" }));
    for (const variable of ["RELAY_URL", "STATE_TTL", "RETURN_POLICY"]) expect(message).toContain(variable);
  });

  it("accepts a valid configuration with documented defaults", async () => {
    const config = await loadConfig(env());
    expect(config.relayUrl).toBe("https://oauth.example.com");
    expect(config.returnPolicy).toBe("confirm");
    expect(config.stateTtl).toBe(600);
    expect(config.upstreamTimeoutMs).toBe(10_000);
    expect(config.sandbox).toBe(false);
    expect(config.stateKeys.current.kid).toBe("k1");
    expect([...config.apps.keys()]).toEqual(["dropbox", "ms"]);
  });

  it("applies an app's overrides: variables, parameters, Basic encoding, scopes", async () => {
    const config = await loadConfig(
      env({
        APPS: apps([
          {
            id: "ns",
            server: "netsuite",
            client_id: "x",
            vars: { account_id: "1234567" },
            params: { allow: ["prompt"], fixed: { locale: "de" } },
            basic_encoding: "form",
            scopes: { default: ["restlets"], allow: ["restlets", "rest_webservices"] },
          },
        ]),
        CLIENT_SECRET_NS: SECRET,
      }),
    );
    const app = config.apps.get("ns");
    expect(app?.vars).toEqual({ account_id: "1234567" });
    expect(app?.server.allowedParams).toEqual(["prompt"]);
    expect(app?.server.fixedAuthParams).toEqual({ locale: "de" });
    expect(app?.server.clientAuth).toEqual({ method: "client_secret_basic", basicEncoding: "form" });
    expect(app?.scopes).toEqual({ default: ["restlets"], allow: ["restlets", "rest_webservices"] });
    // The catalogue entry itself is untouched: another app of the same server gets its values.
    const plain = await loadConfig(
      env({ APPS: apps([{ id: "ns", server: "netsuite", client_id: "x" }]), CLIENT_SECRET_NS: SECRET }),
    );
    expect(plain.apps.get("ns")?.server.clientAuth.basicEncoding).toBe("raw");
  });

  it("accepts rotation (first key encrypts), loopback http RELAY_URL, STATE_TTL 900, RETURN_ORIGINS", async () => {
    const config = await loadConfig(
      env({
        STATE_KEYS: `k2:${KEY_B}, k1:${KEY_A}`,
        RELAY_URL: "http://127.0.0.1:8787",
        STATE_TTL: "900",
        RETURN_ORIGINS: "https://qorus.acme.com, https://*.acme.com,http://192.168.1.20:8011",
        RETURN_POLICY: "allowlist",
      }),
    );
    expect(config.stateKeys.current.kid).toBe("k2");
    expect([...config.stateKeys.byKid.keys()].sort()).toEqual(["k1", "k2"]);
    expect(config.stateTtl).toBe(900);
    expect(config.returnOrigins).toHaveLength(3);
  });

  it("reads Node's listener settings too, with safe defaults", async () => {
    const { node } = await loadNodeConfig(env());
    expect(node).toEqual({
      port: 8787,
      host: "127.0.0.1",
      tls: null,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
    });
    const custom = await loadNodeConfig(
      env({
        PORT: "9000",
        HOST: "0.0.0.0",
        TLS_CERT_FILE: "/c.pem",
        TLS_KEY_FILE: "/k.pem",
        HTTP_MAX_CONNECTIONS: "50",
      }),
    );
    expect(custom.node).toMatchObject({ port: 9000, host: "0.0.0.0", tls: { certFile: "/c.pem", keyFile: "/k.pem" } });
    expect(custom.node.maxConnections).toBe(50);
  });

  it("zero configuration: no APPS means the sandbox, on loopback, with fresh secrets each time", async () => {
    expect(isUnconfigured({})).toBe(true);
    expect(isUnconfigured(env())).toBe(false);
    const first = sandboxDefaults({ PORT: "8790", HOST: "0.0.0.0" });
    expect(first).toMatchObject({ RELAY_URL: "http://127.0.0.1:8790", HOST: "127.0.0.1", SANDBOX: "1", PORT: "8790" });
    expect(sandboxDefaults({}).STATE_KEYS).not.toBe(first.STATE_KEYS);
    const config = await loadConfig(first);
    expect([...config.apps.keys()]).toEqual(["sandbox"]);
    // Workers' sandbox entry keeps the RELAY_URL its vars give.
    expect(sandboxDefaults({ RELAY_URL: "http://127.0.0.1:9999" }, "from-env").RELAY_URL).toBe("http://127.0.0.1:9999");
  });

  it("state keys are imported non-extractable", async () => {
    const config = await loadConfig(env());
    expect((config.stateKeys.current.key as CryptoKey).extractable).toBe(false);
  });
});

describe("Node start-up fails closed", () => {
  it("startNodeRelay rejects with ConfigError and listens on nothing", async () => {
    await expect(startNodeRelay({ env: env({ STATE_KEYS: "k1:short", PORT: "0" }) })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it("npm start with a bad STATE_KEYS exits 1 naming the variable, without the secret or a stack", () => {
    const root = fileURLToPath(new URL("../..", import.meta.url));
    const badKey = `${KEY_A}:k1`;
    const result = spawnSync(process.execPath, ["dist/node.js"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", ...env({ STATE_KEYS: badKey, PORT: "0" }) },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("STATE_KEYS");
    expect(result.stdout).toBe("");
    for (const secret of [SECRET, KEY_A.slice(0, 12)]) expect(result.stderr + result.stdout).not.toContain(secret);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
