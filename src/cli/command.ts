import type { CliIo } from "./io.js";

/** One CLI command: its help text (printed on stdout for --help) and what it runs. */
export interface Command {
  readonly summary: string;
  readonly help: string;
  run(args: string[], io: CliIo): Promise<number>;
}
