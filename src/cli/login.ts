import { type KeyType, type ResponseMode, startFlow } from "../client/index.js";
import { DEFAULT_RELAY, NAME, oneApp, parse, relayOption, UsageError, varOptions } from "./args.js";
import type { Command } from "./command.js";
import { emitToken } from "./io.js";
import { listen, type Outcome } from "./listener.js";

const DEFAULT_TIMEOUT = 300;
const KEY_TYPES: readonly KeyType[] = ["X25519", "P-256", "oct"];

export const login: Command = {
  summary: "run a whole OAuth2 flow through the relay as a local instance; print the token response",
  help: `Usage: ${NAME} login <app> [options]

Acts as an instance: listens on 127.0.0.1 (random port), starts a flow at the relay, prints the
authorization URL (and opens it), waits for the relay to deliver the result, checks and decrypts
it, and prints the provider's token response as JSON on stdout.

Options:
  --relay URL        relay base URL (default ${DEFAULT_RELAY})
  --scope S          space-separated scopes (default: the app's default scopes)
  --var NAME=VALUE   a template variable of the app's server, e.g. --var account_id=1234567
                     (NetSuite); repeatable; "apps" lists each app's variables
  --tenant T         tenant (Microsoft apps), the same as --var tenant=T
  --mode M           delivery mode: form_post (default), query or fragment
  --key-type K       instance key: X25519 (default), P-256, or oct (AES-only "dir" results)
  --curve C          same as --key-type, for X25519 or P-256
  --no-open          do not open the browser; just print the URL
  --out FILE         write the token response to FILE (mode 0600) instead of stdout
  --timeout SECONDS  give up after this long (default ${DEFAULT_TIMEOUT})
  -h, --help         this help

Exit status: 0 token received; 1 denied, relay or provider error, timeout; 2 usage error.
`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      relay: { type: "string" },
      scope: { type: "string" },
      tenant: { type: "string" },
      var: { type: "string", multiple: true },
      mode: { type: "string" },
      curve: { type: "string" },
      "key-type": { type: "string" },
      "no-open": { type: "boolean" },
      out: { type: "string" },
      timeout: { type: "string" },
    });
    if (values.help) {
      await io.stdout(login.help);
      return 0;
    }
    const app = oneApp(positionals, "login");
    const relay = relayOption(values.relay);
    const mode = (values.mode ?? "form_post") as string;
    if (mode !== "form_post" && mode !== "query" && mode !== "fragment")
      throw new UsageError("--mode must be form_post, query or fragment");
    const keyType = (values["key-type"] ?? values.curve ?? "X25519") as KeyType;
    if (!KEY_TYPES.includes(keyType)) throw new UsageError("--key-type must be X25519, P-256 or oct");
    if (values.curve !== undefined && keyType === "oct") throw new UsageError("--curve must be X25519 or P-256");
    const timeoutRaw = (values.timeout ?? String(DEFAULT_TIMEOUT)) as string;
    if (!/^\d{1,5}$/.test(timeoutRaw) || Number(timeoutRaw) < 1)
      throw new UsageError("--timeout must be whole seconds");
    const timeout = Number(timeoutRaw);

    const listener = await listen();
    let ticker: ReturnType<typeof setInterval> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const flow = await startFlow({
        relay,
        app,
        returnTo: listener.returnTo,
        scope: values.scope as string | undefined,
        tenant: values.tenant as string | undefined,
        vars: varOptions(values.var),
        responseMode: mode as ResponseMode,
        keyType,
      });
      listener.setPending(flow.pending);
      io.stderr(`Open this URL in your browser to sign in to "${app}":\n\n  ${flow.authorizationUrl}\n\n`);
      if (!values["no-open"]) io.openUrl(flow.authorizationUrl);

      const deadline = Date.now() + timeout * 1000;
      const status = () => {
        const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
        return `Waiting for the relay to deliver the result to ${listener.returnTo} (${mode}) … ${left}s left`;
      };
      if (io.stderrIsTty) {
        io.stderr(`\r\x1b[2K${status()}`);
        ticker = setInterval(() => io.stderr(`\r\x1b[2K${status()}`), 1000);
      } else {
        io.stderr(`${status()}\n`);
      }
      const timedOut = new Promise<Outcome>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, reason: `timed out after ${timeout}s without a result` }),
          timeout * 1000,
        );
      });
      const outcome = await Promise.race([listener.outcome, timedOut]);
      if (ticker) {
        clearInterval(ticker);
        io.stderr("\r\x1b[2K");
      }
      if (!outcome.ok) {
        io.stderr(`${NAME}: login failed: ${outcome.reason}\n`);
        return 1;
      }
      io.stderr(`Signed in: received and verified the relay's result for "${app}".\n`);
      await emitToken(io, outcome.token, values.out as string | undefined);
      return 0;
    } finally {
      if (ticker) clearInterval(ticker);
      if (timer) clearTimeout(timer);
      listener.close();
    }
  },
};
