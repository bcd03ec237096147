/**
 * The catalogue as data (src/servers/catalogue.ts, catalogue-facts.ts): every entry valid by the
 * schema, with facts, consistent with itself (scopes, variables, parameters, endpoints), and no
 * template variable able to move an endpoint to another host or path.
 */
import { describe, expect, it } from "vitest";
import { scopeMatchesAllowList } from "../../src/flow/scopes.js";
import { CATALOGUE } from "../../src/servers/catalogue.js";
import { CATALOGUE_FACTS } from "../../src/servers/catalogue-facts.js";
import { type CatalogueEntry, catalogueEntrySchema } from "../../src/servers/entry.js";
import {
  ID_PATTERN,
  profileFromEntry,
  RESERVED_AUTH_PARAMS,
  type TemplateVariable,
} from "../../src/servers/profile.js";
import { checkVars, fillTemplate, templateNames, variableValueProblem } from "../../src/servers/variables.js";

/** Values no variable may take: each would add a path, query, fragment, user-info or escape. */
const HOSTILE = ["evil.com/", "a@b", "a#b", "a?b", "a/b", "..", "a b", "%2F", "a\\b", "", "a\nb", "x/../y"];

/** Form fields of POST /v1/token/<app> (src/flow/refresh.ts): a variable of that name could not travel there. */
const REFRESH_FIELDS = ["grant_type", "refresh_token", "scope", "client_id"];

/**
 * The wire quirks of every entry, pinned. The provider fake (test/fakes/catalogue-provider.ts)
 * follows each entry as it stands, so a flipped quirk (a Basic encoding, a body type, a separator)
 * would change relay and fake together; here it fails until the change is made on purpose.
 */
const PINNED_QUIRKS: Readonly<Record<string, string>> = {
  google: "post form",
  salesforce: "post form",
  dropbox: "post form state<=500",
  microsoft: "post form response_mode=form_post",
  dynamics: "post form response_mode=form_post",
  "business-central": "post form response_mode=form_post",
  netsuite: "basic-raw form state<=1024",
  discord: "post form iss",
  hue: "basic-raw form",
  servicenow: "post form",
  github: "post form",
  gitlab: "post form operator:host",
  bitbucket: "basic-raw form",
  atlassian: "post form",
  jira: "post form",
  xero: "basic-raw form",
  linkedin: "post form bearer-if-missing",
  intercom: "post form bearer-if-missing",
  stripe: "post form bearer-if-missing",
  zoho: "post form comma-scopes",
  square: "post json",
  squarespace: "basic-raw form comma-scopes bearer-if-missing",
  constantcontact: "basic-raw form",
  keap: "post form",
  gohighlevel: "post form",
  gorgias: "basic-raw form",
  close: "post form bearer-if-missing",
  bitly: "post form bearer-if-missing",
  apollo: "post form bearer-if-missing query-after-fragment",
  kit: "post form bearer-if-missing",
  shippo: "post json bearer-if-missing",
  smartsheet: "post form",
  unbounce: "post form bearer-if-missing",
  freshbooks: "post form",
  linear: "post form comma-scopes",
  wave: "post form bearer-if-missing",
  hubspot: "post form",
  slack: "basic-raw form comma-scopes ok-field types:bearer|bot|user",
  notion: "basic-raw json",
  zendesk: "post json",
  asana: "post form",
  docusign: "basic-raw form",
  pipedrive: "basic-raw form",
};

/** One entry's wire quirks as a line: client auth, body, separator, token shape, response mode, … */
function quirks(entry: CatalogueEntry): string {
  const parts = [
    entry.auth?.method === "basic" ? `basic-${entry.auth.encoding ?? "form"}` : "post",
    entry.body ?? "form",
  ];
  if (entry.scopes.separator === ",") parts.push("comma-scopes");
  if (entry.okField) parts.push("ok-field");
  if (entry.tokenTypes) parts.push(`types:${entry.tokenTypes.join("|")}`);
  if (entry.bearerIfMissing) parts.push("bearer-if-missing");
  if (entry.fixed?.response_mode) parts.push(`response_mode=${entry.fixed.response_mode}`);
  if (entry.authorize.includes("#")) parts.push("query-after-fragment");
  for (const [name, variable] of Object.entries(entry.vars ?? {}))
    if (variable.operator) parts.push(`operator:${name}`);
  if (entry.stateMax !== undefined) parts.push(`state<=${entry.stateMax}`);
  if (entry.iss) parts.push("iss");
  return parts.join(" ");
}

const variables = (entry: CatalogueEntry) => profileFromEntry(entry).variables;

/** Every variable at its example, others' examples too (what an operator's docs would show). */
function examples(entry: CatalogueEntry): Record<string, string> {
  return Object.fromEntries(variables(entry).map((variable) => [variable.name, variable.example]));
}

function filled(template: string, vars: Record<string, string>): string {
  const result = fillTemplate(template, vars);
  if (typeof result !== "string") throw new Error(`{${result.missing}} has no value`);
  return result;
}

/** The authority part of a template: between `https://` and the first `/` or `#`. */
function hostPart(template: string): string {
  return /^https:\/\/([^/#]*)/.exec(template)?.[1] ?? "";
}

const ALL_VARIABLES: Array<{ id: string; entry: CatalogueEntry; variable: TemplateVariable }> = CATALOGUE.flatMap(
  (entry) => variables(entry).map((variable) => ({ id: `${entry.id}.${variable.name}`, entry, variable })),
);

describe("the catalogue", () => {
  it("has at least 40 entries with unique ids", () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    const ids = CATALOGUE.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has facts for every entry and no facts without an entry", () => {
    expect(Object.keys(CATALOGUE_FACTS).sort()).toEqual(CATALOGUE.map((entry) => entry.id).sort());
  });

  it("keeps every entry's wire quirks as pinned", () => {
    expect(Object.fromEntries(CATALOGUE.map((entry) => [entry.id, quirks(entry)]))).toEqual(PINNED_QUIRKS);
  });

  it("the sandbox id is not taken by a catalogue entry", () => {
    expect(CATALOGUE.some((entry) => entry.id === "sandbox")).toBe(false);
  });
});

describe.each(CATALOGUE.map((entry) => [entry.id, entry] as const))("catalogue entry %s", (id, entry) => {
  const profile = profileFromEntry(entry);
  const facts = CATALOGUE_FACTS[id];

  it("parses with catalogueEntrySchema, unchanged", () => {
    const parsed = catalogueEntrySchema.safeParse(entry);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toEqual(entry);
    // the id rule the schema writes out is the one APPS names servers by
    expect(ID_PATTERN.test(entry.id)).toBe(true);
  });

  it("its facts describe exactly its variables", () => {
    expect(facts).toBeDefined();
    expect(Object.keys(facts?.vars ?? {}).sort()).toEqual(Object.keys(entry.vars ?? {}).sort());
  });

  it("default and required scopes (variables at their examples) are in its allow-list", () => {
    const vars = examples(entry);
    const scopes = [...profile.defaultScopes.map((scope) => filled(scope, vars)), ...profile.requiredScopes];
    for (const scope of scopes) expect(scopeMatchesAllowList(scope, profile.allowedScopes), scope).toBe(true);
    // The allow-list does its work: an unrelated scope is not in it.
    expect(scopeMatchesAllowList("x-not-a-scope:evil/../", profile.allowedScopes)).toBe(false);
  });

  it("declares the variables its templates use, and uses the ones it declares", () => {
    const used = new Set(
      [entry.authorize, entry.token, ...profile.defaultScopes].flatMap((template) => templateNames(template)),
    );
    const declared = new Set(profile.variables.map((variable) => variable.name));
    expect([...used].sort()).toEqual([...declared].sort());
  });

  it("no variable is named like a refresh form field", () => {
    for (const variable of profile.variables) expect(REFRESH_FIELDS).not.toContain(variable.name);
  });

  it("fixes and allows no parameter the relay sets itself (a fixed response_mode aside)", () => {
    for (const name of Object.keys(entry.fixed ?? {})) {
      if (name !== "response_mode") expect(RESERVED_AUTH_PARAMS.has(name), name).toBe(false);
    }
    for (const name of entry.params ?? []) expect(RESERVED_AUTH_PARAMS.has(name), name).toBe(false);
    // A parameter both fixed and allowed would have the instance's value silently replaced.
    expect((entry.params ?? []).filter((name) => entry.fixed?.[name] !== undefined)).toEqual([]);
  });

  it("endpoints are https, without query, user-info or port tricks, at the variables' examples", () => {
    for (const template of [entry.authorize, entry.token]) {
      expect(template.startsWith("https://"), template).toBe(true);
      const url = new URL(filled(template, examples(entry)));
      expect(url.protocol).toBe("https:");
      expect(url.search).toBe("");
      expect(url.username + url.password).toBe("");
    }
    // Only the authorization endpoint may carry a fragment (Apollo's single-page app).
    expect(entry.token.includes("#")).toBe(false);
  });

  it("an RFC 9207 iss it always sends comes with the issuer to compare it with", () => {
    if (entry.iss) expect(entry.issuer).toEqual(expect.stringMatching(/^https:\/\//));
    if (entry.issuer !== undefined) expect(new URL(entry.issuer).protocol).toBe("https:");
  });

  it("basic client authentication names its encoding", () => {
    if (entry.auth?.method === "basic") expect(entry.auth.encoding).toMatch(/^(raw|form)$/);
    else expect(entry.auth?.encoding).toBeUndefined();
  });
});

describe.each(ALL_VARIABLES.map((item) => [item.id, item] as const))("variable %s", (_id, { entry, variable }) => {
  const profile = profileFromEntry(entry);
  const raw = entry.vars?.[variable.name];

  it("its anchored pattern accepts its example and default", () => {
    expect(raw?.pattern).toMatch(/^\^.*\$$/);
    for (const value of [variable.example, variable.default ?? variable.example]) {
      expect(variable.pattern.test(value), value).toBe(true);
      expect(variableValueProblem(profile, variable, value)).toBeNull();
    }
  });

  it("its pattern, and the relay's check, reject hostile values", () => {
    for (const value of HOSTILE) {
      expect(variable.pattern.test(value), JSON.stringify(value)).toBe(false);
      expect(variableValueProblem(profile, variable, value), JSON.stringify(value)).not.toBeNull();
    }
    for (const value of [`${variable.example}/`, `${variable.example}#`, `${variable.example}@evil.com`]) {
      expect(variableValueProblem(profile, variable, value), value).not.toBeNull();
    }
  });

  it("no accepted value changes the structure of an endpoint", () => {
    const others = { ...examples(entry) };
    const candidates = [variable.example, variable.default ?? variable.example, "x.evil.com", "evil.com"];
    for (const value of candidates.filter((candidate) => variableValueProblem(profile, variable, candidate) === null)) {
      for (const template of [entry.authorize, entry.token]) {
        if (!templateNames(template).includes(variable.name)) continue;
        const endpoint = filled(template, { ...others, [variable.name]: value });
        // The URL parser found exactly what was written: no segment, user-info or port appeared.
        const hash = endpoint.indexOf("#");
        const url = new URL(hash >= 0 ? endpoint.slice(0, hash) : endpoint);
        expect(url.href, endpoint).toBe(hash >= 0 ? endpoint.slice(0, hash) : endpoint);
      }
    }
  });

  const inHost = [entry.authorize, entry.token].filter((template) =>
    templateNames(hostPart(template)).includes(variable.name),
  );
  if (inHost.length > 0) {
    it("in a host: no value an instance may set leaves the template's fixed host suffix", () => {
      const base = variable.default ?? variable.example;
      const hostile = ["x.evil.com", "evil.com", `${base}.evil.com`, `${variable.example}.evil.com`, `evil.com:443`];
      if (variable.operatorOnly) {
        // The operator chooses the host (GitLab self-managed); an instance cannot set it at all.
        expect(checkVars(profile, { [variable.name]: variable.example }, "instance")).not.toBeNull();
        return;
      }
      for (const template of inHost) {
        const host = hostPart(template);
        const suffix = host.slice(host.lastIndexOf("}") + 1).toLowerCase();
        for (const value of hostile) {
          if (variableValueProblem(profile, variable, value) !== null) continue;
          // Accepted: only as a label under the fixed suffix, never as a whole host.
          expect(suffix, `${value} is accepted and ${template} has no fixed host suffix`).not.toBe("");
          const url = new URL(filled(template, { ...examples(entry), [variable.name]: value }));
          expect(url.hostname.endsWith(suffix), `${value} → ${url.hostname}`).toBe(true);
        }
        // And the example keeps it too.
        const url = new URL(filled(template, examples(entry)));
        expect(url.hostname.endsWith(suffix)).toBe(true);
      }
    });
  }
});
