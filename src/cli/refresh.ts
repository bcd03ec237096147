import { refresh as refreshToken } from "../client/index.js";
import { DEFAULT_RELAY, NAME, oneApp, parse, relayOption, UsageError, varOptions } from "./args.js";
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
  --var NAME=VALUE   a template variable of the app's server, e.g. --var account_id=1234567
                     (NetSuite); repeatable; "apps" lists each app's variables
  --tenant T         tenant (Microsoft apps), the same as --var tenant=T
  --out FILE         write the token response to FILE (mode 0600) instead of stdout
  -h, --help         this help
`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      relay: { type: "string" },
      "refresh-token": { type: "string" },
      scope: { type: "string" },
      tenant: { type: "string" },
      var: { type: "string", multiple: true },
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
      vars: varOptions(values.var),
    });
    await emitToken(io, response, values.out as string | undefined);
    return 0;
  },
};
