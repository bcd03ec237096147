import { refresh as refreshToken } from "../client/index.js";
import { DEFAULT_RELAY, NAME, oneApp, parse, relayOption, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { emitToken } from "./io.js";

export const refresh: Command = {
  summary: "refresh a token through the relay (POST /v1/token/<app>)",
  help: `Usage: ${NAME} refresh <app> --refresh-token T [options]

Refreshes through the relay, which adds the app's client credentials; prints the new token
response as JSON on stdout.

Options:
  --refresh-token T  the refresh token (required)
  --relay URL        relay base URL (default ${DEFAULT_RELAY})
  --scope S          narrower scope (optional)
  --tenant T         tenant (Microsoft apps)
  --out FILE         write the token response to FILE (mode 0600) instead of stdout
  -h, --help         this help
`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      relay: { type: "string" },
      "refresh-token": { type: "string" },
      scope: { type: "string" },
      tenant: { type: "string" },
      out: { type: "string" },
    });
    if (values.help) {
      await io.stdout(refresh.help);
      return 0;
    }
    const app = oneApp(positionals, "refresh");
    const token = values["refresh-token"];
    if (typeof token !== "string" || token === "") throw new UsageError("refresh needs --refresh-token T");
    const response = await refreshToken({
      relay: relayOption(values.relay),
      app,
      refreshToken: token,
      scope: values.scope as string | undefined,
      tenant: values.tenant as string | undefined,
    });
    await emitToken(io, response, values.out as string | undefined);
    return 0;
  },
};
