/**
 * Template variables (Microsoft tenant, NetSuite account, Zendesk subdomain, …): which values are
 * acceptable, who may set them, and how they fill a profile's endpoints and default scopes. Every
 * value passes its entry's pattern and the relay's own character rule before it reaches a URL.
 */
import type { ServerProfile, TemplateVariable, Vars } from "./profile.js";

/**
 * Characters any variable value may contain, whatever its pattern says: no `/ ? # @ \` or space can
 * reach a URL, so a value can never add a path, query, user-info or host of its own.
 */
const SAFE_VALUE = /^[A-Za-z0-9._:-]{1,253}$/;

/** Why `value` cannot be variable `variable` of `profile`, or null when it can. */
export function variableValueProblem(profile: ServerProfile, variable: TemplateVariable, value: string): string | null {
  if (SAFE_VALUE.test(value) && !value.includes("..") && variable.pattern.test(value)) return null;
  return `"${value.slice(0, 64)}" is not a valid ${variable.name} for ${profile.displayName} (example: ${variable.example})`;
}

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** The variable names a template uses. */
export function templateNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
}

/**
 * Fills a template with checked values. Returns the variable that has no value instead, so the
 * caller can say which one to set.
 */
export function fillTemplate(template: string, vars: Vars): string | { readonly missing: string } {
  let missing: string | null = null;
  const filled = template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = vars[name];
    if (value === undefined) missing ??= name;
    return value ?? "";
  });
  return missing === null ? filled : { missing };
}

/** A profile endpoint with resolved variables (resolveVars has checked that every one is set). */
export function endpoint(template: string, vars: Vars): string {
  const filled = fillTemplate(template, vars);
  if (typeof filled !== "string") throw new Error("unresolved template variable");
  return filled;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * The variables a token endpoint URL names, for this profile: `undefined` when the URL is not the
 * profile's token endpoint for any valid values. The template's fixed parts must match exactly
 * and each value must pass its variable's checks, so no request value can move the host or path
 * (the Qorus cloud API bridge checks an instance's `token_uri` with this).
 */
export function varsOfTokenEndpoint(profile: ServerProfile, url: string): Vars | undefined {
  const names = templateNames(profile.tokenTemplate);
  const source = profile.tokenTemplate
    .split(PLACEHOLDER)
    .map((part, index) => (index % 2 === 0 ? escapeRegex(part) : "([^/?#@]+)"))
    .join("");
  const match = new RegExp(`^${source}$`).exec(url);
  if (!match) return undefined;
  const vars: Record<string, string> = {};
  for (const [index, name] of names.entries()) {
    const value = match[index + 1] ?? "";
    const variable = profile.variables.find((candidate) => candidate.name === name);
    if (!variable || variableValueProblem(profile, variable, value) !== null) return undefined;
    if (vars[name] !== undefined && vars[name] !== value) return undefined;
    vars[name] = value;
  }
  return vars;
}

/**
 * Checks template variable values set by an instance (per flow or refresh) or the operator (APPS):
 * known names, acceptable values, operator-only variables left to the operator. Returns
 * `<name>: <problem>` or null.
 */
export function checkVars(profile: ServerProfile, values: Vars, setBy: "instance" | "operator"): string | null {
  for (const [name, value] of Object.entries(values)) {
    const variable = profile.variables.find((candidate) => candidate.name === name);
    if (!variable) {
      const known = profile.variables.map((candidate) => candidate.name).join(", ");
      return known === ""
        ? `${name.slice(0, 32)}: ${profile.displayName} takes no template variables`
        : `${name.slice(0, 32)}: not a variable of ${profile.displayName} (it has: ${known})`;
    }
    if (setBy === "instance" && variable.operatorOnly) {
      return `${name}: set by the relay operator for this app (APPS "vars"), not per request`;
    }
    const problem = variableValueProblem(profile, variable, value);
    if (problem !== null) return `${name}: ${problem}`;
  }
  return null;
}

/** The values in force: the entry's defaults, then the app's (APPS), then the request's. */
export function effectiveVars(profile: ServerProfile, appVars: Vars, requested: Vars): Vars {
  const vars: Record<string, string> = {};
  for (const variable of profile.variables) if (variable.default !== null) vars[variable.name] = variable.default;
  return { ...vars, ...appVars, ...requested };
}

/** The first variable the endpoints need that has no value, as an error text; null when complete. */
export function missingEndpointVariable(profile: ServerProfile, vars: Vars): string | null {
  for (const template of [profile.authorizeTemplate, profile.tokenTemplate]) {
    const filled = fillTemplate(template, vars);
    if (typeof filled !== "string") return missingText(profile, filled.missing);
  }
  return null;
}

export function missingText(profile: ServerProfile, name: string): string {
  const example = profile.variables.find((variable) => variable.name === name)?.example;
  return `${name}: required for ${profile.displayName}${example ? ` (example: ${example})` : ""}`;
}

/**
 * The variables in force for one request: the instance's values checked, merged over the app's and
 * the entry's defaults, and every endpoint variable set. Returns the values, or `<name>: <problem>`.
 */
export function resolveVars(profile: ServerProfile, appVars: Vars, requested: Vars): Vars | string {
  const problem = checkVars(profile, requested, "instance");
  if (problem !== null) return problem;
  const vars = effectiveVars(profile, appVars, requested);
  return missingEndpointVariable(profile, vars) ?? vars;
}
