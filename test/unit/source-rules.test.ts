/**
 * Static rules over the source and deployment config (docs/SECURITY.md S8, S23, S37, S53, S56, S59, S60):
 * things that must never appear, checked by reading the files.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|tsx)$/.test(entry.name) ? [path] : [];
  });
}

const SOURCES = sourceFiles(join(ROOT, "src")).map((path) => ({
  path: relative(ROOT, path),
  text: readFileSync(path, "utf8"),
}));

/** Comments removed, so the rules look at code (comments may explain why a thing is absent). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

const FORBIDDEN: Array<[string, RegExp]> = [
  ["jose IV setter (test-only API)", /setInitializationVector/],
  ["jose CEK setter (test-only API)", /setContentEncryptionKey/],
  ["hono/logger (logs URLs with code and state)", /hono\/logger/],
  ["TLS verification switched off", /NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized\s*:\s*false/],
  ["307/308 redirect (re-POSTs the body)", /redirect\([^)]*\b30[78]\b|status:\s*30[78]\b|\b30[78]\s*\)/],
  ["302 or default redirect (use 303)", /\.redirect\((?![^)]*,\s*303\s*\))[^)]*\)/],
  ["fetch following redirects", /redirect:\s*["'](follow|error)["']/],
  ["console output", /\bconsole\.(log|info|warn|error|debug|trace|dir)\b/],
  ["unescaped HTML (hono raw)", /\{[^}]*\braw\b[^}]*\}\s*from\s*["']hono\//],
  ["compressed JWE (zip)", /\bzip\s*:/],
  ["eval-like code", /\beval\(|new Function\(/],
];

describe("forbidden constructs in src/", () => {
  it("there are sources to check", () => {
    expect(SOURCES.length).toBeGreaterThan(20);
    expect(SOURCES.some((file) => file.path.endsWith("app.ts"))).toBe(true);
  });

  it.each(FORBIDDEN)("no %s", (_label, pattern) => {
    const hits = SOURCES.filter((file) => pattern.test(code(file.text))).map((file) => file.path);
    expect(hits).toEqual([]);
  });

  it("every decrypt passes maxDecompressedLength: 0 and explicit algorithm allow-lists", () => {
    for (const file of SOURCES) {
      const body = code(file.text);
      const calls = body.match(/\b(compactDecrypt|jwtDecrypt|flattenedDecrypt|generalDecrypt)\(/g) ?? [];
      if (calls.length === 0) continue;
      expect(body.match(/maxDecompressedLength:\s*0/g)?.length ?? 0, file.path).toBeGreaterThanOrEqual(calls.length);
      expect(body, file.path).toMatch(/keyManagementAlgorithms:\s*\[/);
      expect(body, file.path).toMatch(/contentEncryptionAlgorithms:\s*\[/);
    }
  });

  it("the rule patterns do catch what they are for", () => {
    const samples: Record<string, string> = {
      "307/308 redirect (re-POSTs the body)": "return c.redirect(url, 307);",
      "302 or default redirect (use 303)": "return c.redirect(url);",
      "console output": "console.log(code)",
      "unescaped HTML (hono raw)": 'import { html, raw } from "hono/html";',
      "hono/logger (logs URLs with code and state)": 'import { logger } from "hono/logger";',
    };
    for (const [label, sample] of Object.entries(samples)) {
      const pattern = FORBIDDEN.find(([name]) => name === label)?.[1];
      expect(pattern?.test(code(sample)), label).toBe(true);
    }
    expect(FORBIDDEN.find(([name]) => name.startsWith("302"))?.[1].test("c.redirect(url, 303)")).toBe(false);
  });
});

/** Just enough TOML for wrangler.toml: tables, arrays of tables, `key = value` (value kept raw). */
function parseToml(text: string): Map<string, Map<string, string>> {
  const tables = new Map<string, Map<string, string>>([["", new Map()]]);
  let current = "";
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\s+#.*$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      current = header[1] ?? "";
      if (!tables.has(current)) tables.set(current, new Map());
      continue;
    }
    const pair = /^("?[^"=]+"?)\s*=\s*(.+)$/.exec(line);
    if (pair) tables.get(current)?.set((pair[1] ?? "").replace(/"/g, "").trim(), (pair[2] ?? "").trim());
  }
  return tables;
}

describe("wrangler.toml", () => {
  const raw = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const toml = parseToml(raw);

  it("observability / invocation logs are off, with a comment saying why", () => {
    const observability = toml.get("observability");
    const logs = toml.get("observability.logs");
    const off = observability?.get("enabled") === "false" || logs?.get("invocation_logs") === "false";
    expect(off).toBe(true);
    if (logs) expect(logs.get("invocation_logs")).toBe("false");
    if (logs?.has("enabled")) expect(logs.get("enabled")).toBe("false");
    expect(toml.get("observability.traces")?.get("enabled") ?? "false").toBe("false");
    expect(raw).toMatch(/#.*(invocation logs|[Pp]rivacy)/);
  });

  it("no tail consumers, no Logpush", () => {
    for (const [name, table] of toml) {
      expect(name).not.toMatch(/tail_consumers/);
      expect(table.has("tail_consumers"), name).toBe(false);
      expect(table.get("logpush") ?? "false", name).toBe("false");
    }
  });

  it("no secret-looking names in [vars] (secrets go through `wrangler secret put`)", () => {
    const varTables = [...toml.keys()].filter((name) => name === "vars" || /^env\.[^.]+\.vars$/.test(name));
    for (const name of varTables) {
      for (const key of toml.get(name)?.keys() ?? [])
        expect(key, `${name}.${key}`).not.toMatch(/SECRET|KEY|TOKEN|PASSWORD/i);
    }
  });

  it("the parser sees the tables it should", () => {
    expect(toml.has("observability")).toBe(true);
    expect(toml.get("")?.get("main")).toBe('"dist/worker/relay.js"');
    expect(toml.get("build")?.get("command")).toBe('"node scripts/build.mjs --worker --if-stale --quiet"');
  });

  it("[env.sandbox] (wrangler dev only) runs the sandbox entry with the production settings, logs off", () => {
    // As wrangler resolves it: an env inherits some top-level keys and not others (vars, bindings).
    const read = (env?: string) => unstable_readConfig({ config: join(ROOT, "wrangler.toml"), env });
    const production = read();
    const sandbox = read("sandbox");
    // Both are scripts/build.mjs's output of src/workers/relay.ts and src/workers/sandbox.ts.
    expect(production.main).toBe(join(ROOT, "dist/worker/relay.js"));
    expect(sandbox.main).toBe(join(ROOT, "dist/worker/sandbox.js"));
    expect(production.no_bundle).toBe(true);
    expect(production.observability).toEqual({ enabled: false, logs: { enabled: false, invocation_logs: false } });
    for (const key of ["observability", "logpush", "tail_consumers", "no_bundle", "build", "compatibility_date"])
      expect(sandbox[key as keyof typeof sandbox], key).toEqual(production[key as keyof typeof production]);
    expect(production.vars.SANDBOX).toBeUndefined();
    expect(sandbox.vars.SANDBOX).toBe("1");
    expect(sandbox.workers_dev).toBe(false);
    // The abuse limits' bindings are not inherited by an env: both declare the same four.
    type Binding = { name: string; simple: { limit: number } };
    const names = (config: typeof production) => (config.ratelimits as Binding[]).map((binding) => binding.name).sort();
    expect(names(production)).toEqual([
      "RATE_LIMITER",
      "RATE_LIMITER_CALLBACK",
      "RATE_LIMITER_ONCE",
      "RATE_LIMITER_UPSTREAM",
    ]);
    expect(names(sandbox)).toEqual(names(production));
    const once = (production.ratelimits as Binding[]).find((binding) => binding.name === "RATE_LIMITER_ONCE");
    expect(once?.simple.limit).toBe(1);
  });
});

describe("local secret files", () => {
  it("git ignores .env and .dev.vars", () => {
    const out = execFileSync("git", ["check-ignore", ".env", ".dev.vars"], { cwd: ROOT, encoding: "utf8" });
    expect(out.split("\n").filter(Boolean).sort()).toEqual([".dev.vars", ".env"]);
  });

  it("no .env or .dev.vars is tracked", () => {
    const tracked = execFileSync("git", ["ls-files", "--", ".env", ".dev.vars", "*.pem"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(tracked.trim()).toBe("");
  });
});
