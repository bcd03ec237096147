import { listApps } from "../client/index.js";
import { DEFAULT_RELAY, NAME, noPositionals, parse, relayOption } from "./args.js";
import type { Command } from "./command.js";

export const apps: Command = {
  summary: "list the relay's apps and the redirect URIs to register at the providers",
  help: `Usage: ${NAME} apps [--relay URL] [--json]

Lists the relay's apps (GET /v1/apps): id, server, client id, and the redirect URI to register.

Options:
  --relay URL  relay base URL (default ${DEFAULT_RELAY})
  --json       print the raw JSON
  -h, --help   this help
`,
  async run(args, io) {
    const { values, positionals } = parse(args, { relay: { type: "string" }, json: { type: "boolean" } });
    if (values.help) {
      await io.stdout(apps.help);
      return 0;
    }
    noPositionals(positionals, "apps");
    const list = await listApps({ relay: relayOption(values.relay) });
    if (values.json) {
      await io.stdout(`${JSON.stringify({ apps: list }, null, 2)}\n`);
      return 0;
    }
    const lines = list.map((app) => {
      // Template variables: "--var name=value" on login and refresh (* = must be given).
      const vars = Object.entries(app.vars ?? {}).map(
        ([name, info]) => `${name}${info.required ? "*" : `=${info.default}`} (e.g. ${info.example})`,
      );
      return [
        `${app.id}  (${app.name}; server ${app.server}; client_id ${app.client_id})`,
        `  redirect URI: ${app.redirect_uri}`,
        `  scopes: default [${app.scopes.default.join(" ")}], allowed [${app.scopes.allow.join(" ")}]`,
        ...(vars.length > 0 ? [`  variables (--var name=value; * required): ${vars.join(", ")}`] : []),
        "",
      ].join("\n");
    });
    await io.stdout(lines.length > 0 ? lines.join("") : "(no apps)\n");
    return 0;
  },
};
