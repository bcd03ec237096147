/**
 * `qorus-oauth-relay doctor`: checks the relay's configuration and each configured app's client
 * credentials without a user. Per app it sends ONE token request with a made-up authorization code
 * through the relay's own token-endpoint call (callTokenEndpoint, so client authentication is
 * exactly the relay's) and reads the refusal: `invalid_grant` means the client was authenticated
 * and only the code was refused; `invalid_client` means the credentials were not accepted. For an
 * HTTP Basic app whose id or secret form-encoding changes, one more request with the other Basic
 * encoding tells which one the provider wants. At most 2 requests per app, apps one after another,
 * only to the configured token endpoints; the client secret is never printed.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import {
  type AppConfig,
  type Config,
  ConfigError,
  clientSecretVariable,
  type Env,
  isUnconfigured,
  loadConfig,
} from "../config.js";
import { newVerifierBytes, verifierFromBytes } from "../crypto/pkce.js";
import { callbackUrl } from "../flow/authorization-url.js";
import type { RelayDeps } from "../flow/context.js";
import { callTokenEndpoint, readTokenAnswer, type TokenCallResult } from "../flow/token-endpoint.js";
import type { Vars } from "../servers/profile.js";
import { checkVars, effectiveVars, endpoint, fillTemplate, missingText } from "../servers/variables.js";
import { basicAuthorization } from "../web/upstream.js";
import { NAME, parse, UsageError, varOptions } from "./args.js";
import type { Command } from "./command.js";
import type { CliIo } from "./io.js";

export type Verdict = "ok" | "fix needed" | "unreachable" | "inconclusive";

export interface DoctorOptions {
  /** The variables the relay would read: the environment over the `.env` file's (environment wins). */
  readonly env: Env;
  /** Where `env` came from, for the report's first line. */
  readonly source?: string;
  /** Used for the token requests (tests route it to fakes). */
  readonly fetch: typeof fetch;
  readonly io: Pick<CliIo, "stdout">;
  /** App ids to check; all configured apps when empty or absent. */
  readonly apps?: readonly string[];
  /** `--var name=value`: per-flow template variable values, for each checked app that has the variable. */
  readonly vars?: Vars;
}

/** Error codes that mean "the client was authenticated, the made-up code was refused". */
const CODE_REFUSED = new Set(["invalid_grant", "invalid_code"]);
/** Error codes that mean "the client credentials were not accepted" (HTTP 401 counts too). */
const CLIENT_REFUSED = new Set(["invalid_client", "unauthorized_client", "bad_client_secret", "invalid_client_id"]);

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);
const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "HOSTNAME_MISMATCH",
]);

type Probe =
  | { readonly kind: "accepted"; readonly said: string }
  | { readonly kind: "refused"; readonly said: string; readonly code: string }
  | { readonly kind: "unreachable"; readonly said: string }
  | { readonly kind: "other"; readonly said: string };

/** The system error code of a failed Node fetch: `TypeError("fetch failed", { cause })`. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const { code, errors } = current as { code?: unknown; errors?: unknown };
    if (typeof code === "string" && code !== "") return code;
    if (Array.isArray(errors) && errors[0] instanceof Error) {
      const inner = (errors[0] as { code?: unknown }).code;
      if (typeof inner === "string") return inner;
    }
    current = current.cause;
  }
  return undefined;
}

function transportText(url: string, error: unknown): string {
  const host = URL.canParse(url) ? new URL(url).host : url;
  const code = errorCode(error);
  if (code === undefined) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
    return `could not reach ${host}${cause ? ` (${cause.slice(0, 200)})` : ""}`;
  }
  if (DNS_CODES.has(code)) return `DNS: the host name ${host} does not resolve (${code})`;
  if (code === "ECONNREFUSED") return `connection refused by ${host} (ECONNREFUSED): nothing listens there`;
  if (CONNECTION_CODES.has(code)) return `connection to ${host} failed (${code})`;
  if (TLS_CODES.has(code) || /^(CERT_|ERR_TLS_|ERR_SSL_)/.test(code)) {
    return `TLS: the certificate of ${host} was not accepted (${code}); for a private CA, point NODE_EXTRA_CA_CERTS at it`;
  }
  return `could not reach ${host} (${code})`;
}

/** A provider's error text, printable: no control characters, no credentials, bounded. */
function providerText(value: unknown, app: AppConfig): string {
  if (typeof value !== "string" || value === "") return "";
  let text = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  const secret = app.clientSecret;
  const hidden = [
    basicAuthorization(app.clientId, secret, "form").slice(6),
    basicAuthorization(app.clientId, secret, "raw").slice(6),
    encodeURIComponent(secret),
    secret,
  ];
  for (const form of hidden) if (form !== "") text = text.split(form).join("[secret]");
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

function readProbe(config: Config, app: AppConfig, url: string, result: TokenCallResult, failure: unknown): Probe {
  switch (result.kind) {
    case "unreachable":
      return { kind: "unreachable", said: transportText(url, failure) };
    case "timeout":
      return { kind: "unreachable", said: `no answer within ${config.upstreamTimeoutMs} ms (UPSTREAM_TIMEOUT_MS)` };
    case "rate_limited":
      return { kind: "other", said: "not sent: rate limited" };
    case "redirect":
      return {
        kind: "other",
        said: `HTTP ${result.status} redirect, which the relay does not follow: is the token endpoint URL right?`,
      };
    case "too_large":
      return { kind: "other", said: "an answer larger than the relay reads" };
    case "not_json":
      return result.status === 401
        ? { kind: "refused", said: "HTTP 401 without a JSON body", code: "" }
        : { kind: "other", said: `HTTP ${result.status} without a JSON body` };
    case "json": {
      const answer = readTokenAnswer(app, result);
      if (answer.kind === "token")
        return { kind: "other", said: `HTTP ${result.status} with a token for a made-up code` };
      if (answer.kind === "unusable") return { kind: "other", said: `HTTP ${result.status} without an error code` };
      const description = providerText(result.body.error_description ?? result.body.error_message, app);
      const said = `HTTP ${result.status} ${answer.code || "(no error code)"}${description ? `: ${description}` : ""}`;
      if (CODE_REFUSED.has(answer.code)) return { kind: "accepted", said };
      if (CLIENT_REFUSED.has(answer.code) || result.status === 401) return { kind: "refused", said, code: answer.code };
      return { kind: "other", said };
    }
  }
}

const NO_LIMITS: RelayDeps["limits"] = {
  perClient: {},
  once: { claim: async () => "first" },
  retryAfterSeconds: 60,
};

/** One made-up code exchange against the app's token endpoint, exactly as the relay would send it. */
async function probe(config: Config, app: AppConfig, vars: Vars, fetcher: typeof fetch): Promise<Probe> {
  const url = endpoint(app.server.tokenTemplate, vars);
  let failure: unknown;
  const guarded = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const target = input instanceof Request ? input.url : String(input);
    try {
      // The credentials go to the configured token endpoint and nowhere else.
      if (target !== url) throw new Error(`refused to send the client credentials to ${target}`);
      return await fetcher(input, init);
    } catch (error) {
      failure = error;
      throw error;
    }
  }) as typeof fetch;
  const deps: RelayDeps = { config, recorder: { record: () => {} }, limits: NO_LIMITS, fetch: guarded };
  const result = await callTokenEndpoint(deps, app, vars, {
    grant_type: "authorization_code",
    code: verifierFromBytes(newVerifierBytes()), // random, like a real code; never issued
    redirect_uri: callbackUrl(config.relayUrl, app.id),
    code_verifier: verifierFromBytes(newVerifierBytes()),
  });
  return readProbe(config, app, url, result, failure);
}

function withEncoding(app: AppConfig, basicEncoding: "form" | "raw"): AppConfig {
  return { ...app, server: { ...app.server, clientAuth: { ...app.server.clientAuth, basicEncoding } } };
}

interface AppOutcome {
  readonly verdict: Verdict;
  readonly why: string;
}

/** The app's token endpoint variables: the relay's values plus `--var`s, or what is missing. */
function appVars(app: AppConfig, requested: Vars): Vars | { readonly problem: string } {
  const own = Object.fromEntries(
    Object.entries(requested).filter(([name]) => app.server.variables.some((variable) => variable.name === name)),
  );
  const problem = checkVars(app.server, own, "instance");
  if (problem !== null) return { problem: `--var ${problem}` };
  const vars = effectiveVars(app.server, app.vars, own);
  const filled = fillTemplate(app.server.tokenTemplate, vars);
  if (typeof filled !== "string") {
    return {
      problem: `the token endpoint needs ${missingText(app.server, filled.missing)}, set per flow; pass --var ${filled.missing}=VALUE to probe it`,
    };
  }
  return vars;
}

async function checkApp(
  config: Config,
  app: AppConfig,
  requested: Vars,
  fetcher: typeof fetch,
  say: (line: string) => void,
): Promise<AppOutcome> {
  const { clientAuth } = app.server;
  const vars = appVars(app, requested);
  if ("problem" in vars) {
    say(`  token endpoint: ${app.server.tokenTemplate}`);
    return { verdict: "inconclusive", why: vars.problem };
  }
  const secretVariable = clientSecretVariable(app.id);
  say(`  token endpoint: ${endpoint(app.server.tokenTemplate, vars)}`);
  say(
    `  client authentication: ${clientAuth.method}${clientAuth.method === "client_secret_basic" ? ` (${clientAuth.basicEncoding} encoding)` : ""}, client_id "${app.clientId}", secret from ${secretVariable}`,
  );
  say(`  redirect_uri sent: ${callbackUrl(config.relayUrl, app.id)}`);
  const first = await probe(config, app, vars, fetcher);
  say(`  made-up code: ${first.said}`);
  if (first.kind === "accepted")
    return { verdict: "ok", why: "client credentials accepted (only the made-up code was refused)" };
  if (first.kind === "unreachable") return { verdict: "unreachable", why: first.said };
  if (first.kind === "other") return { verdict: "inconclusive", why: first.said };

  const grantHint =
    first.code === "unauthorized_client"
      ? "unauthorized_client: the registration may not allow this client the authorization_code grant; or "
      : "";
  const check = `${grantHint}check client_id "${app.clientId}" and ${secretVariable} against the provider's app registration`;
  if (clientAuth.method === "client_secret_post") {
    return { verdict: "fix needed", why: `client credentials refused (sent in the request body); ${check}` };
  }
  const other = clientAuth.basicEncoding === "form" ? "raw" : "form";
  const differs =
    basicAuthorization(app.clientId, app.clientSecret, "form") !==
    basicAuthorization(app.clientId, app.clientSecret, "raw");
  if (!differs) return { verdict: "fix needed", why: `client credentials refused (HTTP Basic); ${check}` };
  const second = await probe(config, withEncoding(app, other), vars, fetcher);
  say(`  made-up code again, ${other} Basic encoding: ${second.said}`);
  if (second.kind === "accepted") {
    return {
      verdict: "fix needed",
      why: `the provider accepts the credentials only ${other}-encoded: set "basic_encoding": "${other}" on app "${app.id}" in APPS`,
    };
  }
  return { verdict: "fix needed", why: `client credentials refused with both HTTP Basic encodings; ${check}` };
}

/**
 * Loads the configuration from `env` as the relay would and checks every (or each named) app.
 * Writes the report to io.stdout; returns 0 only when every checked app is ok.
 */
export async function runDoctor(options: DoctorOptions): Promise<number> {
  const { env, io } = options;
  const source = options.source ?? "the given environment";
  if (isUnconfigured(env)) {
    await io.stdout(
      `Configuration (${source}): APPS is not set, so "npm start" would run the built-in sandbox; there are no apps to check.\nSet APPS, STATE_KEYS, RELAY_URL and CLIENT_SECRET_<ID> (README.md, "Configuration").\n`,
    );
    return 1;
  }
  let config: Config;
  try {
    config = await loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.message.split("\n  - ").slice(1);
    await io.stdout(
      `Configuration (${source}): ${problems.length} problem${problems.length === 1 ? "" : "s"}; the relay would not start:\n${problems.map((problem) => `  - ${problem}\n`).join("")}verdict: fix needed (configuration)\n`,
    );
    return 1;
  }
  const wanted = options.apps ?? [];
  const unknown = wanted.filter((id) => !config.apps.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `no app ${unknown.map((id) => `"${id}"`).join(", ")} in APPS (it has: ${[...config.apps.keys()].join(", ")})`,
    );
  }
  const apps = [...config.apps.values()].filter((app) => wanted.length === 0 || wanted.includes(app.id));
  const requested = options.vars ?? {};
  const unused = Object.keys(requested).filter(
    (name) => !apps.some((app) => app.server.variables.some((variable) => variable.name === name)),
  );
  if (unused.length > 0)
    throw new UsageError(`--var ${unused.join(", ")}: no checked app's server has such a variable`);

  await io.stdout(
    `Configuration (${source}): loads; RELAY_URL ${config.relayUrl}; checking ${apps.length} app${apps.length === 1 ? "" : "s"}\n`,
  );
  const verdicts: Array<{ id: string; verdict: Verdict }> = [];
  for (const app of apps) {
    const lines = [`\n${app.id} (${app.name}; server ${app.server.id})`];
    const outcome = await checkApp(config, app, requested, options.fetch, (line) => lines.push(line));
    lines.push(`${app.id}: ${outcome.verdict} — ${outcome.why}`);
    await io.stdout(`${lines.join("\n")}\n`);
    verdicts.push({ id: app.id, verdict: outcome.verdict });
  }
  const order: Verdict[] = ["ok", "fix needed", "unreachable", "inconclusive"];
  const counts = order
    .map((verdict) => {
      const ids = verdicts.filter((entry) => entry.verdict === verdict).map((entry) => entry.id);
      return ids.length === 0 ? "" : `${ids.length} ${verdict}${verdict === "ok" ? "" : ` (${ids.join(", ")})`}`;
    })
    .filter((part) => part !== "");
  await io.stdout(`\nSummary: ${counts.join(", ") || "no apps"}\n`);
  return verdicts.length > 0 && verdicts.every((entry) => entry.verdict === "ok") ? 0 : 1;
}

/**
 * The variables the relay would see: `entryEnv` (the process environment, handed over by the CLI's
 * entry) over the `.env` file's, as src/node/main.ts loads them (process.loadEnvFile, which leaves
 * variables already set alone).
 */
function configurationEnv(entryEnv: Env | undefined, envFile: string | undefined): { env: Env; source: string } {
  const file = envFile ?? ".env";
  const fromFile = envFile !== undefined || existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : undefined;
  const parts = [
    entryEnv === undefined ? "no process environment (not handed over by the CLI's entry)" : "environment",
    fromFile === undefined ? "no .env file" : file,
  ];
  return { env: { ...fromFile, ...entryEnv }, source: parts.join(" + ") };
}

export const doctor: Command = {
  summary: "check the configuration and each app's client credentials at its provider, without a user",
  help: `Usage: ${NAME} doctor [<app>...] [--var name=value]... [--env-file FILE]

For the relay's operator. Loads the configuration the relay would load (the environment, then
./.env for variables the environment does not set) and, for each app (or each <app> named):
  - computes its token endpoint from its template variables;
  - sends ONE token request with a made-up authorization code, authenticated exactly as the relay
    authenticates the app, and reads the refusal: invalid_grant (Slack: invalid_code) means the
    client credentials were accepted; invalid_client, HTTP 401, unauthorized_client (Slack:
    bad_client_secret, invalid_client_id) mean they were refused;
  - for an HTTP Basic app whose id or secret form-encoding changes, retries once with the other
    Basic encoding and, if that one is accepted, names the "basic_encoding" to set.
DNS, connection and TLS failures are reported as such. At most 2 requests per app, one app at a
time, only to the configured token endpoints; the client secret is never printed. A provider that
checks the code before the client cannot be told apart this way: it shows as accepted.

Options:
  --var name=value  value of a per-flow template variable (e.g. NetSuite account_id) for the probe;
                    repeatable; applies to each checked app whose server has that variable
  --env-file FILE   read FILE instead of ./.env
  -h, --help        this help

Exit status: 0 every checked app is ok; 1 a configuration problem, or an app needs a fix, is
unreachable or inconclusive; 2 usage error.
`,
  async run(args, io, entryEnv) {
    const { values, positionals } = parse(args, {
      var: { type: "string", multiple: true },
      "env-file": { type: "string" },
    });
    if (values.help) {
      await io.stdout(doctor.help);
      return 0;
    }
    const vars = varOptions(values.var);
    const envFile = typeof values["env-file"] === "string" ? values["env-file"] : undefined;
    const { env, source } = configurationEnv(entryEnv, envFile);
    return runDoctor({ env, source, fetch: globalThis.fetch, io, apps: positionals, vars });
  },
};
