/**
 * `qorus-oauth-relay` — command-line instance for trying and checking a relay (one module per
 * command in this folder). Output contract: the token response JSON (login, refresh) or the
 * requested value (keygen, apps, providers, doctor's report, --help, --version) on stdout; progress
 * and errors for humans on stderr. Tokens appear nowhere but that final stdout JSON.
 */
import { RelayClientError } from "../client/index.js";
import type { Env } from "../config.js";
import { VERSION } from "../version.js";
import { apps } from "./apps.js";
import { DEFAULT_RELAY, NAME, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { doctor } from "./doctor.js";
import { type CliIo, nodeIo } from "./io.js";
import { keygen } from "./keygen.js";
import { login } from "./login.js";
import { providers } from "./providers.js";
import { refresh } from "./refresh.js";

export type { CliIo } from "./io.js";

const COMMANDS: Record<string, Command> = { login, refresh, keygen, apps, providers, doctor };

const LABELS: Record<string, string> = {
  login: "login <app>",
  refresh: "refresh <app>",
  providers: "providers [<id>]",
  doctor: "doctor [<app>...]",
};

function mainHelp(): string {
  const label = (name: string) => LABELS[name] ?? name;
  const width = Math.max(...Object.keys(COMMANDS).map((name) => label(name).length)) + 2;
  const rows = Object.entries(COMMANDS).map(([name, command]) => `  ${label(name).padEnd(width)}${command.summary}`);
  return `Usage: ${NAME} <command> [options]

Commands:
${rows.join("\n")}

Options everywhere:
  --relay URL     relay base URL for login, refresh, apps (default ${DEFAULT_RELAY})
  -h, --help      help for a command: ${NAME} <command> --help
  --version       print the version

Try it with no account: run "npm start" (sandbox mode), then "${NAME} login sandbox".
`;
}

/** Node's fetch fails with a TypeError whose cause carries the system error code. */
function connectionHint(error: unknown, args: string[]): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  const code = cause?.code;
  if (code !== "ECONNREFUSED" && code !== "ENOTFOUND" && code !== "EAI_AGAIN" && code !== "ECONNRESET") return "";
  const relayIndex = args.indexOf("--relay");
  const relay = relayIndex >= 0 ? (args[relayIndex + 1] ?? DEFAULT_RELAY) : DEFAULT_RELAY;
  return ` — is the relay running at ${relay}? Start one with "npm start", or pass --relay URL`;
}

/**
 * Runs the CLI; returns the exit status. `env` is the process environment as the entry hands it
 * over (this module may not read process.env itself).
 */
export async function main(argv: string[], io: CliIo = nodeIo, env?: Env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    await io.stdout(`${NAME} ${VERSION}\n`);
    return 0;
  }
  if (name === undefined) {
    io.stderr(mainHelp());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    await io.stdout(mainHelp());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`${NAME}: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  try {
    return await command.run(rest, io, env);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${NAME} ${name}: ${error.message} (see ${NAME} ${name} --help)\n`);
      return 2;
    }
    if (error instanceof RelayClientError) {
      io.stderr(`${NAME} ${name}: ${error.message}\n`);
      return 1;
    }
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${NAME} ${name}: ${message}${cause}${connectionHint(error, rest)}\n`);
    return 1;
  }
}
