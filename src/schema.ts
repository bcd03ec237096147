/**
 * zod for every boundary, in its tree-shakeable "mini" form (the classic build put ~450 KB of
 * minified code into the Worker bundle). Import as `import * as z from "./schema.js"`.
 *
 * The messages are the relay's own, short and in the form its errors use (`<field>: <message>`),
 * instead of zod's English locale: the locale's tables cost ~1 KiB of the Worker's gzip budget for
 * issue kinds the relay never produces.
 */
import { config } from "zod/mini";

function unit(origin: unknown): string {
  return origin === "string" ? " characters" : origin === "array" ? " items" : "";
}

config({
  localeError: (issue) => {
    switch (issue.code) {
      case "invalid_type":
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
