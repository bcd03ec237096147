import type { CryptoEngine } from "./crypto/engine.js";
import { importStateKeys, type StateKeyRing } from "./crypto/state-keys.js";
import { webCryptoEngine } from "./crypto/webcrypto-engine.js";
import { type OriginPattern, parseOriginPattern } from "./flow/return-policy.js";
import { scopeMatchesAllowList } from "./flow/scopes.js";
import * as z from "./schema.js";
import { genericServerSchema } from "./servers/generic.js";
import type { ServerProfile } from "./servers/profile.js";
import { BUILT_IN_SERVER_IDS, resolveServer } from "./servers/registry.js";
import { isLoopbackHost } from "./web/url-rules.js";

/** Environment as both runtimes hand it to us: strings, possibly missing. */
export type Env = Readonly<Record<string, unknown>>;

export type ResponseMode = "form_post" | "query" | "fragment";
export type ReturnPolicy = "confirm" | "allowlist";

export interface AppConfig {
  readonly id: string;
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly server: ServerProfile;
  readonly scopes: { readonly default: readonly string[]; readonly allow: readonly string[] };
  readonly tenant: string | null;
}

export interface Config {
  readonly relayUrl: string;
  /** The engine that imported `stateKeys` and does all of the relay's cryptography (crypto/engine.ts). */
  readonly crypto: CryptoEngine;
  readonly stateKeys: StateKeyRing;
  readonly apps: ReadonlyMap<string, AppConfig>;
  readonly returnOrigins: readonly OriginPattern[];
  readonly returnPolicy: ReturnPolicy;
  readonly stateTtl: number;
  readonly upstreamTimeoutMs: number;
  readonly sandbox: boolean;
}

/** Thrown for invalid configuration; the message names the variable and the fix, never a secret. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const appIdSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1-32 chars of a-z 0-9 _ - (lower case)"));

const scopeEntry = z.string().check(z.minLength(1), z.maxLength(256));

const appSchema = z.strictObject({
  id: appIdSchema,
  server: z.union([z.enum(BUILT_IN_SERVER_IDS), genericServerSchema]),
  client_id: z.string().check(z.minLength(1), z.maxLength(256)),
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
  scopes: z.optional(
    z.strictObject({
      default: z.optional(z.array(scopeEntry).check(z.maxLength(50))),
      allow: z.optional(z.array(scopeEntry).check(z.maxLength(100))),
    }),
  ),
  tenant: z.optional(z.string().check(z.maxLength(253))),
});

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

type Issue = z.core.$ZodIssue;

/**
 * A union (e.g. `server`: built-in id or generic object) fails as a bare "Invalid input"; when one
 * alternative got further than its root, its own issues say what is wrong (e.g. `pkce`).
 */
function unfoldUnion(issue: Issue): Issue[] {
  if (issue.code !== "invalid_union") return [issue];
  const deeper = issue.errors.find((issues) => issues.some((nested) => nested.path.length > 0));
  return deeper ? deeper.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] })) : [issue];
}

function describeIssues(variable: string, error: z.core.$ZodError): string[] {
  return error.issues.flatMap(unfoldUnion).map((issue) => {
    const path = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
    return `${variable}${path}: ${issue.message}`;
  });
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

function parseIntegerVariable(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    problems.push(`${name}: must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
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
  const parsed = z.array(appSchema).check(z.minLength(1)).safeParse(json);
  if (!parsed.success) {
    problems.push(...describeIssues("APPS", parsed.error));
    return apps;
  }
  parsed.data.forEach((entry, index) => {
    const where = `APPS[${index}] (${entry.id})`;
    if (apps.has(entry.id)) problems.push(`${where}: duplicate app id`);
    const server = resolveServer(entry.server, relayUrl);
    const secretName = clientSecretVariable(entry.id);
    const clientSecret = text(env, secretName);
    if (clientSecret === undefined)
      problems.push(`${secretName}: not set; set it to the client secret of app "${entry.id}"`);
    if (entry.tenant !== undefined) {
      const tenantProblem = server.tenant.validate(entry.tenant);
      if (tenantProblem) problems.push(`${where}.tenant: ${tenantProblem}`);
    }
    const allow = entry.scopes?.allow ?? server.allowedScopes;
    const defaults = entry.scopes?.default ?? server.defaultScopes;
    for (const scope of defaults) {
      if (!scopeMatchesAllowList(scope, allow))
        problems.push(`${where}.scopes.default: "${scope}" is not in the allow-list`);
    }
    apps.set(entry.id, {
      id: entry.id,
      name: entry.name ?? server.displayName,
      clientId: entry.client_id,
      clientSecret: clientSecret ?? "",
      server,
      scopes: { default: defaults, allow },
      tenant: entry.tenant ?? null,
    });
  });
  return apps;
}

/**
 * Environment → Config, failing closed: every problem found is reported at once, each naming the
 * variable and what to do. Async because state keys are imported once, here, by the engine that
 * will use them (WebCrypto unless the Node entry passes its node:crypto engine).
 */
export async function loadConfig(env: Env, engine: CryptoEngine = webCryptoEngine): Promise<Config> {
  const problems: string[] = [];
  const relayUrl = parseRelayUrl(text(env, "RELAY_URL"), problems);
  const sandbox = text(env, "SANDBOX") === "1";
  const apps = parseApps(env, relayUrl, problems);
  if (!sandbox && [...apps.values()].some((app) => app.server.id === "sandbox")) {
    problems.push('APPS: server "sandbox" needs SANDBOX=1 (local use only)');
  }

  const returnOrigins: OriginPattern[] = [];
  for (const entry of (text(env, "RETURN_ORIGINS") ?? "").split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    const pattern = parseOriginPattern(entry);
    if (typeof pattern === "string") problems.push(`RETURN_ORIGINS: "${entry}" ${pattern}`);
    else returnOrigins.push(pattern);
  }

  const policyRaw = text(env, "RETURN_POLICY") ?? "confirm";
  if (policyRaw !== "confirm" && policyRaw !== "allowlist")
    problems.push('RETURN_POLICY: must be "confirm" or "allowlist"');
  const returnPolicy: ReturnPolicy = policyRaw === "allowlist" ? "allowlist" : "confirm";

  const stateTtl = parseIntegerVariable(env, "STATE_TTL", 600, 60, 900, problems);
  const upstreamTimeoutMs = parseIntegerVariable(env, "UPSTREAM_TIMEOUT_MS", 10_000, 100, 60_000, problems);

  const keysRaw = text(env, "STATE_KEYS");
  let stateKeys: StateKeyRing | null = null;
  if (keysRaw === undefined) {
    problems.push(
      "STATE_KEYS: not set; set it to kid:key pairs, key = base64url of 32 random bytes (npx qorus-oauth-relay keygen)",
    );
  } else {
    const result = await importStateKeys(keysRaw, engine);
    if (typeof result === "string") problems.push(`STATE_KEYS: ${result}`);
    else stateKeys = result;
  }

  if (problems.length > 0 || stateKeys === null) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
  return {
    relayUrl,
    crypto: engine,
    stateKeys,
    apps,
    returnOrigins,
    returnPolicy,
    stateTtl,
    upstreamTimeoutMs,
    sandbox,
  };
}
