import { generateStateKeyPair } from "../crypto/state-keys.js";
import { NAME, noPositionals, parse, UsageError } from "./args.js";
import type { Command } from "./command.js";

export const keygen: Command = {
  summary: "print a fresh STATE_KEYS value (kid:key)",
  help: `Usage: ${NAME} keygen [--kid K]

Prints a fresh STATE_KEYS value: kid:key, key = base64url of 32 random bytes. To rotate, put the
new pair first and keep the old one after it for at least STATE_TTL: NEW,OLD.

Options:
  --kid K     key id, 1-16 chars of A-Z a-z 0-9 _ - (default k<yyyymmdd>)
  -h, --help  this help
`,
  async run(args, io) {
    const { values, positionals } = parse(args, { kid: { type: "string" } });
    if (values.help) {
      await io.stdout(keygen.help);
      return 0;
    }
    noPositionals(positionals, "keygen");
    const kid = (values.kid as string | undefined) ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(kid)) throw new UsageError("--kid must be 1-16 chars of A-Z a-z 0-9 _ -");
    await io.stdout(`${generateStateKeyPair(kid)}\n`);
    return 0;
  },
};
