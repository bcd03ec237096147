/**
 * zod for every boundary, in its tree-shakeable "mini" form (the classic build put ~450 KB of
 * minified code into the Worker bundle). Import as `import * as z from "./schema.js"`.
 *
 * The messages are the relay's own, short and in the form its errors use (`<field>: <message>`),
 * instead of zod's English locale: the locale's tables cost ~1 KiB of the Worker's gzip budget for
 * issue kinds the relay never produces.
 */
import { config, type core, custom } from "zod/mini";

function unit(origin: unknown): string {
  return origin === "string" ? " characters" : origin === "array" ? " items" : "";
}

config({
  localeError: (issue) => {
    switch (issue.code) {
      case "invalid_type":
        // A member that is absent (zod says it expected "nonoptional"): name it as missing.
        if (issue.input === undefined) return "is required";
        return `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
      case "invalid_value":
        return `must be ${issue.values.map((value) => JSON.stringify(value)).join(" or ")}`;
      case "too_big":
        return `must be at most ${issue.maximum}${unit(issue.origin)}`;
      case "too_small":
        return `must be at least ${issue.minimum}${unit(issue.origin)}`;
      case "invalid_format":
        return issue.format === "regex" ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
      case "unrecognized_keys":
        return `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`;
      default:
        return "is not valid";
    }
  },
});

export * from "zod/mini";

/**
 * A schema built on its first use, not at module evaluation: building zod schemas is most of what
 * the Worker's modules do when they load, so a cold start pays only for the schemas its first
 * request needs (docs/BENCHMARKS.md, figure 6).
 */
export function onFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
}

/** `<prefix><path>` as the relay's errors name a field: `APPS[0].server.pkce`, `key.x`. */
export function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  const text = prefix + path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
  return text.startsWith(".") ? text.slice(1) : text;
}

/** The first issue as `<field>: <message>` (the message alone at the root); field lists cut short. */
export function describeIssue(prefix: string, error: core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix || "request"}: is not valid`;
  const field = issuePath(prefix, issue.path);
  const message = issue.code === "unrecognized_keys" ? issue.message.slice(0, 150) : issue.message;
  return field ? `${field}: ${message}` : message;
}

/*
 * The two helpers below are custom checks rather than zod's number and boolean schemas: every zod
 * schema kind the Worker uses brings its own code, and these few fields do not justify ~0.7 KiB of
 * the Worker's 44 KiB gzip budget (docs/DECISIONS.md #37). For the same reason the Worker's code
 * writes a single allowed value as `z.enum(["x"])` (not z.literal) and picks a schema by a field's
 * value or type instead of a z.union (src/crypto/instance-key.ts, src/config.ts).
 */

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number) {
  return custom<number>(
    (value) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
    `must be a whole number from ${min} to ${max}`,
  );
}

/** `true` or `false`. */
export function trueOrFalse() {
  return custom<boolean>((value) => typeof value === "boolean", "must be true or false");
}
