/**
 * Configuration: the one module that reads the environment. Every variable of both runtimes is
 * parsed here into a typed Config (Node's listener settings included), and an invalid value fails
 * closed with a message that names the variable and the fix — never a stack trace, never a secret.
 */

import { generateStateKeyPair, importStateKeys, type StateKeyRing } from "./crypto/state-keys.js";
import { type OriginPattern, parseOriginPattern, type ReturnPolicy } from "./flow/return-policy.js";
import { scopeMatchesAllowList } from "./flow/scopes.js";
import * as z from "./schema.js";
import { type GenericServerConfig, genericServerSchema } from "./servers/generic.js";
import { ID_PATTERN, RESERVED_AUTH_PARAMS, type ServerProfile, type Vars } from "./servers/profile.js";
import { resolveServer } from "./servers/registry.js";
import { checkVars, missingText } from "./servers/variables.js";
import { isLoopbackHost } from "./web/url-rules.js";

/** Environment as both runtimes hand it to us: strings, possibly missing (Workers: also bindings). */
export type Env = Readonly<Record<string, unknown>>;

export type ResponseMode = "form_post" | "query" | "fragment";

export interface AppConfig {
  readonly id: string;
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly server: ServerProfile;
  readonly scopes: { readonly default: readonly string[]; readonly allow: readonly string[] };
  /** Template variable values set by the operator (APPS `vars`, or the older `tenant`). */
  readonly vars: Vars;
  /** The name older Qorus instances give this app in `oauth2_app` (the bridge), if not its id. */
  readonly qorusApp: string | null;
}

/**
 * Abuse limits (RFC 6819 §4.4.1.11, RFC 9700 §4.11): requests per minute per client (a keyed hash
 * of its address) for each route that can make the relay call a token endpoint, and a per-app
 * ceiling on those upstream calls. On Workers the numbers live in wrangler.toml's [[ratelimits]].
 */
export type RateLimits =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly perMinute: {
        readonly flows: number;
        readonly refresh: number;
        readonly callback: number;
        readonly confirm: number;
      };
      /** Upstream token calls per app per minute, all clients together. */
      readonly upstreamPerApp: number;
      /** The variables that set a number (Workers take their numbers from wrangler.toml instead). */
      readonly setBy: readonly string[];
    };

/** Node's listener: address, optional TLS, and the limits that keep slow clients from holding it. */
export interface NodeSettings {
  readonly port: number;
  readonly host: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
}

export interface Config {
  readonly relayUrl: string;
  readonly stateKeys: StateKeyRing;
  readonly apps: ReadonlyMap<string, AppConfig>;
  readonly returnOrigins: readonly OriginPattern[];
  readonly returnPolicy: ReturnPolicy;
  readonly stateTtl: number;
  readonly upstreamTimeoutMs: number;
  readonly sandbox: boolean;
  /** LEGACY_QORUS=1: the Qorus cloud API bridge (src/legacy/) is served too. */
  readonly legacyQorus: boolean;
  readonly rateLimits: RateLimits;
}

/** Thrown for invalid configuration; the message names the variable and the fix, never a secret. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export const DEFAULT_PORT = 8787;

/**
 * Defaults when RATE_LIMIT is unset (the same numbers as wrangler.toml's bindings): a person starts
 * a handful of sign-ins a minute and an instance refreshes its connections now and then; a script
 * replaying states or made-up refresh tokens hits the limit within a minute.
 */
export const DEFAULT_RATE_LIMITS = {
  flows: 20,
  refresh: 20,
  callback: 20,
  confirm: 20,
  upstreamPerApp: 600,
} as const;

const appIdSchema = z.string().check(z.regex(ID_PATTERN, "must be 1-32 chars of a-z 0-9 _ - (lower case)"));
const serverIdSchema = z.string().check(z.regex(ID_PATTERN, "must be a catalogue id (a-z 0-9 _ -)"));

const scopeEntry = z.string().check(z.minLength(1), z.maxLength(256));

/** `server` is a catalogue id or an operator-described server object (src/servers/generic.ts). */
const SERVER_KINDS = "must be a catalogue id (a string) or a server object";

const appSchema = z.onFirstUse(() =>
  z.strictObject({
    id: appIdSchema,
    // Checked by parseServer, which picks the id rule or the object schema by the value's type.
    server: z.custom<string | object>(
      (value) => typeof value === "string" || (typeof value === "object" && value !== null && !Array.isArray(value)),
      SERVER_KINDS,
    ),
    client_id: z.string().check(z.minLength(1), z.maxLength(256)),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    scopes: z.optional(
      z.strictObject({
        default: z.optional(z.array(scopeEntry).check(z.maxLength(50))),
        allow: z.optional(z.array(scopeEntry).check(z.maxLength(100))),
      }),
    ),
    vars: z.optional(z.record(z.string().check(z.maxLength(32)), z.string().check(z.maxLength(253)))),
    /** The older spelling of `vars.tenant`. */
    tenant: z.optional(z.string().check(z.maxLength(253))),
    params: z.optional(
      z.strictObject({
        allow: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/))).check(z.maxLength(32))),
        fixed: z.optional(
          z.record(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/)), z.string().check(z.maxLength(512))),
        ),
      }),
    ),
    basic_encoding: z.optional(z.enum(["form", "raw"])),
    qorus_app: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 chars of A-Z a-z 0-9 _ . -")),
    ),
  }),
);

/** `CLIENT_SECRET_<ID>`: app id upper-cased, non-alphanumerics as `_`. */
export function clientSecretVariable(appId: string): string {
  return `CLIENT_SECRET_${appId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function describeIssues(prefix: string, error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${z.issuePath(prefix, issue.path)}: ${issue.message}`);
}

function parseRelayUrl(raw: string | undefined, problems: string[]): string {
  if (raw === undefined) {
    problems.push("RELAY_URL: not set; set it to the relay's public base URL, e.g. https://oauth.example.com");
    return "";
  }
  const url = URL.canParse(raw) ? new URL(raw) : null;
  const secure = url?.protocol === "https:" || (url?.protocol === "http:" && isLoopbackHost(url.hostname));
  if (!url || !secure || url.search || url.hash || url.username || url.password || raw.endsWith("/")) {
    problems.push(
      "RELAY_URL: must be an absolute https URL (http only on loopback) with no trailing slash, query or fragment, e.g. https://oauth.example.com",
    );
    return "";
  }
  return `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    problems.push(`${name}: must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

type AppEntry = z.infer<ReturnType<typeof appSchema>>;

/**
 * APPS `server`: a catalogue id, or an object checked by the generic schema. Chosen by type rather
 * than by a zod union, which would answer a bad object with a bare "not valid" (and cost the Worker
 * bundle the union's code): the object's own issues say what to fix (e.g. `pkce`).
 */
function parseServer(entry: AppEntry, index: number, problems: string[]): string | GenericServerConfig | undefined {
  const parsed =
    typeof entry.server === "string"
      ? serverIdSchema.safeParse(entry.server)
      : genericServerSchema().safeParse(entry.server);
  if (parsed.success) return parsed.data;
  problems.push(...describeIssues(`APPS[${index}].server`, parsed.error));
  return undefined;
}

/** The app's server profile with the app's own overrides (parameters, Basic encoding) applied. */
function appProfile(
  entry: AppEntry,
  index: number,
  relayUrl: string,
  where: string,
  problems: string[],
): ServerProfile | undefined {
  const described = parseServer(entry, index, problems);
  if (described === undefined) return undefined;
  const server = resolveServer(described, relayUrl);
  if (!server) {
    problems.push(
      `${where}.server: unknown server "${String(entry.server)}"; \`qorus-oauth-relay providers\` lists the catalogue, or describe the server as an object (docs/PROVIDERS.md)`,
    );
    return undefined;
  }
  const reserved = [...Object.keys(entry.params?.fixed ?? {}), ...(entry.params?.allow ?? [])].find((name) =>
    RESERVED_AUTH_PARAMS.has(name),
  );
  if (reserved !== undefined) problems.push(`${where}.params: "${reserved}" is set by the relay itself`);
  return {
    ...server,
    allowedParams: entry.params?.allow ?? server.allowedParams,
    fixedAuthParams: { ...server.fixedAuthParams, ...entry.params?.fixed },
    clientAuth: { ...server.clientAuth, basicEncoding: entry.basic_encoding ?? server.clientAuth.basicEncoding },
  };
}

/** APPS `vars` (and the older `tenant`), checked against the profile's variables. */
function appVars(entry: AppEntry, server: ServerProfile, where: string, problems: string[]): Vars {
  const vars: Record<string, string> = { ...entry.vars };
  if (entry.tenant !== undefined) {
    if (vars.tenant !== undefined && vars.tenant !== entry.tenant)
      problems.push(`${where}: "tenant" and "vars.tenant" differ; keep one`);
    vars.tenant = entry.tenant;
  }
  const problem = checkVars(server, vars, "operator");
  if (problem !== null) problems.push(`${where}.vars.${problem}`);
  // An operator-only variable without a default must be set here: no request can set it.
  const unset = server.variables.find((v) => v.operatorOnly && v.default === null && vars[v.name] === undefined);
  if (unset) problems.push(`${where}.vars.${missingText(server, unset.name)}`);
  return vars;
}

function parseApps(env: Env, relayUrl: string, problems: string[]): Map<string, AppConfig> {
  const apps = new Map<string, AppConfig>();
  const raw = text(env, "APPS");
  if (raw === undefined) {
    problems.push(
      'APPS: not set; set it to a JSON array of apps, e.g. [{"id":"dropbox","server":"dropbox","client_id":"..."}]',
    );
    return apps;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push("APPS: is not valid JSON; it must be a JSON array of app objects");
    return apps;
  }
  const parsed = z.array(appSchema()).check(z.minLength(1)).safeParse(json);
  if (!parsed.success) {
    problems.push(...describeIssues("APPS", parsed.error));
    return apps;
  }
  parsed.data.forEach((entry, index) => {
    const where = `APPS[${index}] (${entry.id})`;
    if (apps.has(entry.id)) problems.push(`${where}: duplicate app id`);
    const server = appProfile(entry, index, relayUrl, where, problems);
    if (!server) return;
    const secretName = clientSecretVariable(entry.id);
    const clientSecret = text(env, secretName);
    if (clientSecret === undefined)
      problems.push(`${secretName}: not set; set it to the client secret of app "${entry.id}"`);
    const vars = appVars(entry, server, where, problems);
    const allow = entry.scopes?.allow ?? server.allowedScopes;
    const defaults = entry.scopes?.default ?? server.defaultScopes;
    for (const scope of defaults) {
      if (!scopeMatchesAllowList(scope.replace(/\{[a-z0-9_]+\}/g, "x"), allow))
        problems.push(`${where}.scopes.default: "${scope}" is not in the allow-list`);
    }
    apps.set(entry.id, {
      id: entry.id,
      name: entry.name ?? server.displayName,
      clientId: entry.client_id,
      clientSecret: clientSecret ?? "",
      server,
      scopes: { default: defaults, allow },
      vars,
      qorusApp: entry.qorus_app ?? null,
    });
  });
  return apps;
}

function parseReturnOrigins(env: Env, problems: string[]): OriginPattern[] {
  const origins: OriginPattern[] = [];
  for (const entry of (text(env, "RETURN_ORIGINS") ?? "").split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    const pattern = parseOriginPattern(entry);
    if (typeof pattern === "string") problems.push(`RETURN_ORIGINS: "${entry}" ${pattern}`);
    else origins.push(pattern);
  }
  return origins;
}

/**
 * RATE_LIMIT: unset → on with DEFAULT_RATE_LIMITS; `off` → off; a number N → N requests per minute
 * per client for flow starts and refreshes, and RATE_LIMIT_CALLBACK (default N/2, or 20 when
 * RATE_LIMIT is unset) for callbacks and confirmations. RATE_LIMIT_UPSTREAM: token-endpoint calls
 * per app per minute, all clients together.
 */
function parseRateLimits(env: Env, problems: string[]): RateLimits {
  const raw = text(env, "RATE_LIMIT");
  if (raw?.toLowerCase() === "off") return { enabled: false };
  const perClient =
    raw === undefined ? undefined : integer(env, "RATE_LIMIT", DEFAULT_RATE_LIMITS.flows, 1, 1_000_000, problems);
  const browser = integer(
    env,
    "RATE_LIMIT_CALLBACK",
    perClient === undefined ? DEFAULT_RATE_LIMITS.callback : Math.max(1, Math.floor(perClient / 2)),
    1,
    1_000_000,
    problems,
  );
  if (raw === "0") problems.push("RATE_LIMIT: 0 would refuse everything; to turn limits off set RATE_LIMIT=off");
  const numbers = ["RATE_LIMIT", "RATE_LIMIT_CALLBACK", "RATE_LIMIT_UPSTREAM"];
  return {
    enabled: true,
    perMinute: {
      flows: perClient ?? DEFAULT_RATE_LIMITS.flows,
      refresh: perClient ?? DEFAULT_RATE_LIMITS.refresh,
      callback: browser,
      confirm: browser,
    },
    upstreamPerApp: integer(env, "RATE_LIMIT_UPSTREAM", DEFAULT_RATE_LIMITS.upstreamPerApp, 1, 1_000_000, problems),
    setBy: numbers.filter((name) => text(env, name) !== undefined),
  };
}

/** PORT, HOST, TLS_CERT_FILE + TLS_KEY_FILE and the HTTP_* limits (Node only; Workers ignore them). */
function parseNodeSettings(env: Env, problems: string[]): NodeSettings {
  const certFile = text(env, "TLS_CERT_FILE");
  const keyFile = text(env, "TLS_KEY_FILE");
  if ((certFile === undefined) !== (keyFile === undefined))
    problems.push("TLS_CERT_FILE and TLS_KEY_FILE: set both (PEM files) or neither");
  return {
    port: integer(env, "PORT", DEFAULT_PORT, 0, 65535, problems),
    host: text(env, "HOST") ?? "127.0.0.1",
    tls: certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : null,
    // Whole request headers within 10 s, whole request within 30 s (slowloris; RFC 9110 §15.5.9).
    headersTimeoutMs: integer(env, "HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 120_000, problems),
    requestTimeoutMs: integer(env, "HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 300_000, problems),
    keepAliveTimeoutMs: integer(env, "HTTP_KEEP_ALIVE_TIMEOUT_MS", 5_000, 0, 120_000, problems),
    maxConnections: integer(env, "HTTP_MAX_CONNECTIONS", 1024, 1, 1_000_000, problems),
  };
}

/**
 * Environment → Config, failing closed: every problem found is reported at once, each naming the
 * variable and what to do. Async because state keys are imported once, here.
 */
export async function loadConfig(env: Env): Promise<Config> {
  const problems: string[] = [];
  const config = await readConfig(env, problems);
  return config ?? failClosed(problems);
}

/**
 * Config plus the Node listener's settings (loadConfig's problems and these reported together).
 * Apart from loadConfig so that the Worker bundle carries no listener code.
 */
export async function loadNodeConfig(env: Env): Promise<{ config: Config; node: NodeSettings }> {
  const problems: string[] = [];
  const config = await readConfig(env, problems);
  const node = parseNodeSettings(env, problems);
  return config && problems.length === 0 ? { config, node } : failClosed(problems);
}

function failClosed(problems: readonly string[]): never {
  throw new ConfigError(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
}

async function readConfig(env: Env, problems: string[]): Promise<Config | null> {
  const relayUrl = parseRelayUrl(text(env, "RELAY_URL"), problems);
  const sandbox = text(env, "SANDBOX") === "1";
  const legacyRaw = text(env, "LEGACY_QORUS");
  if (legacyRaw !== undefined && legacyRaw !== "0" && legacyRaw !== "1")
    problems.push("LEGACY_QORUS: must be 1 (serve the Qorus cloud API bridge) or 0 / unset");
  const apps = parseApps(env, relayUrl, problems);
  if (!sandbox && [...apps.values()].some((app) => app.server.id === "sandbox")) {
    problems.push('APPS: server "sandbox" needs SANDBOX=1 (local use only)');
  }
  const returnOrigins = parseReturnOrigins(env, problems);

  const policyRaw = text(env, "RETURN_POLICY") ?? "confirm";
  if (policyRaw !== "confirm" && policyRaw !== "allowlist")
    problems.push('RETURN_POLICY: must be "confirm" or "allowlist"');
  const returnPolicy: ReturnPolicy = policyRaw === "allowlist" ? "allowlist" : "confirm";

  const stateTtl = integer(env, "STATE_TTL", 600, 60, 900, problems);
  const upstreamTimeoutMs = integer(env, "UPSTREAM_TIMEOUT_MS", 10_000, 100, 60_000, problems);
  const rateLimits = parseRateLimits(env, problems);

  const keysRaw = text(env, "STATE_KEYS");
  let stateKeys: StateKeyRing | null = null;
  if (keysRaw === undefined) {
    problems.push(
      "STATE_KEYS: not set; set it to kid:key pairs, key = base64url of 32 random bytes (npx qorus-oauth-relay keygen)",
    );
  } else {
    const result = await importStateKeys(keysRaw);
    if (typeof result === "string") problems.push(`STATE_KEYS: ${result}`);
    else stateKeys = result;
  }

  if (problems.length > 0 || stateKeys === null) return null;
  return {
    relayUrl,
    stateKeys,
    apps,
    returnOrigins,
    returnPolicy,
    stateTtl,
    upstreamTimeoutMs,
    sandbox,
    legacyQorus: legacyRaw === "1",
    rateLimits,
  };
}

/** True when the operator configured no apps: the zero-configuration sandbox applies. */
export function isUnconfigured(env: Env): boolean {
  return text(env, "APPS") === undefined;
}

/**
 * Zero-configuration trial (`npm start` with no APPS, `wrangler dev --env sandbox`): the sandbox
 * server and its one app, with a state key and client secret made now (gone at exit), so nothing
 * here is a real account. Values the environment sets win, except that the Node listener stays on
 * 127.0.0.1 and, for Node (`relayUrl: "loopback"`), RELAY_URL follows PORT.
 */
export function sandboxDefaults(env: Env, relayUrl: "loopback" | "from-env" = "loopback"): Env {
  const port = integer(env, "PORT", DEFAULT_PORT, 1, 65535, []);
  const loopbackUrl = `http://127.0.0.1:${port}`;
  return {
    RELAY_URL: loopbackUrl,
    STATE_KEYS: generateStateKeyPair("sbx"),
    APPS: JSON.stringify([{ id: "sandbox", server: "sandbox", client_id: "sandbox-client", name: "Sandbox" }]),
    CLIENT_SECRET_SANDBOX: generateStateKeyPair("x").slice(2),
    ...env,
    ...(relayUrl === "loopback" ? { RELAY_URL: loopbackUrl } : {}),
    PORT: String(port),
    HOST: "127.0.0.1",
    SANDBOX: "1",
  };
}
