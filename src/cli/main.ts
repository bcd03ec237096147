/**
 * `qorus-oauth-relay` — command-line instance for trying and checking a relay (one module per
 * command in this folder). Output contract: the token response JSON (login, refresh) or the
 * requested value (keygen, apps, --help, --version) on stdout; progress and errors for humans on
 * stderr. Tokens appear nowhere but that final stdout JSON.
 */
import { RelayClientError } from "../client/index.js";
import { VERSION } from "../version.js";
import { apps } from "./apps.js";
import { DEFAULT_RELAY, NAME, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { type CliIo, nodeIo } from "./io.js";
import { keygen } from "./keygen.js";
import { login } from "./login.js";
import { refresh } from "./refresh.js";

export type { CliIo } from "./io.js";

const COMMANDS: Record<string, Command> = { login, refresh, keygen, apps };

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 8;
  const rows = Object.entries(COMMANDS).map(([name, command]) => {
    const label = name === "login" || name === "refresh" ? `${name} <app>` : name;
    return `  ${label.padEnd(width)}${command.summary}`;
  });
  return `Usage: ${NAME} <command> [options]

Commands:
${rows.join("\n")}

Options everywhere:
  --relay URL     relay base URL (default ${DEFAULT_RELAY})
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

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: CliIo = nodeIo): Promise<number> {
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
    return await command.run(rest, io);
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
