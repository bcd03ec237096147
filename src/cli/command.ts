import type { Env } from "../config.js";
import type { CliIo } from "./io.js";

/** One CLI command: its help text (printed on stdout for --help) and what it runs. */
export interface Command {
  readonly summary: string;
  readonly help: string;
  /** `env`: the process environment as the CLI's entry hands it over (only `doctor` reads it). */
  run(args: string[], io: CliIo, env?: Env): Promise<number>;
}
