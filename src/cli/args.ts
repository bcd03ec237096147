import { parseArgs } from "node:util";

export const NAME = "qorus-oauth-relay";
export const DEFAULT_RELAY = "http://127.0.0.1:8787";

/** Thrown for bad command lines: exit code 2 and a hint to --help. */
export class UsageError extends Error {}

export type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/** Strict option parsing (unknown options are usage errors); `-h`/`--help` everywhere. */
export function parse(args: string[], options: OptionSpec): Parsed {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Parsed["values"], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function relayOption(value: unknown): string {
  const relay = typeof value === "string" ? value : DEFAULT_RELAY;
  if (!URL.canParse(relay) || !/^https?:$/.test(new URL(relay).protocol))
    throw new UsageError(`--relay must be an http(s) URL, got "${relay}"`);
  return relay.replace(/\/+$/, "");
}

export function oneApp(positionals: string[], command: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`${command} needs exactly one <app>`);
  return positionals[0];
}

export function noPositionals(positionals: string[], command: string): void {
  if (positionals.length > 0) throw new UsageError(`${command} takes no arguments`);
}

/** `--var name=value` (repeatable): template variable values, e.g. NetSuite's `account_id`. */
export function varOptions(values: unknown): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const option of Array.isArray(values) ? values : []) {
    const match = /^([a-z][a-z0-9_]{0,31})=(.*)$/.exec(String(option));
    if (!match?.[1]) throw new UsageError(`--var must be name=value, got "${String(option).slice(0, 80)}"`);
    vars[match[1]] = match[2] ?? "";
  }
  return vars;
}
