/**
 * `qorus-oauth-relay` — command-line instance for trying and checking a relay:
 *   login <app>     act as an instance on 127.0.0.1, run a whole flow, print the token response
 *   refresh <app>   refresh a token through the relay
 *   keygen          print a fresh STATE_KEYS value
 *   apps            list the relay's apps and the redirect URIs to register
 * Output contract: the token response JSON (login, refresh) or the requested value (keygen, apps)
 * on stdout; everything for humans on stderr. Tokens appear nowhere but that final stdout JSON.
 */
import { spawn } from "node:child_process";
import { chmod, open } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import {
  DeliveredError,
  listApps,
  openDelivery,
  type PendingFlow,
  RelayClientError,
  type ResponseMode,
  refresh,
  startFlow,
  type TokenResponse,
} from "./client/index.js";
import { generateStateKeyPair } from "./crypto/state-keys.js";

const DEFAULT_RELAY = "http://127.0.0.1:8787";
const DEFAULT_TIMEOUT = 300;
const NAME = "qorus-oauth-relay";

/** Thrown for bad command lines: exit code 2 and a hint to --help. */
class UsageError extends Error {}

export interface CliIo {
  readonly stdout: (text: string) => Promise<void>;
  readonly stderr: (text: string) => void;
  readonly stderrIsTty: boolean;
  /** Opens a URL in the user's browser (best effort). */
  readonly openUrl: (url: string) => void;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

export const nodeIo: CliIo = {
  stdout: (text) => write(process.stdout, text),
  stderr: (text) => {
    process.stderr.write(text);
  },
  stderrIsTty: Boolean(process.stderr.isTTY),
  openUrl: (url) => {
    const [command, args] =
      process.platform === "darwin"
        ? ["open", [url]]
        : process.platform === "win32"
          ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
          : ["xdg-open", [url]];
    try {
      const child = spawn(command, args as string[], { stdio: "ignore", detached: true });
      child.on("error", () => {});
      child.unref();
    } catch {
      // No browser opener: the URL is on stderr anyway.
    }
  },
};

const HELP: Record<string, string> = {
  main: `Usage: ${NAME} <command> [options]

Commands:
  login <app>     run a whole OAuth2 flow through the relay as a local instance; print the token response
  refresh <app>   refresh a token through the relay (POST /v1/token/<app>)
  keygen          print a fresh STATE_KEYS value (kid:key)
  apps            list the relay's apps and the redirect URIs to register at the providers

Options everywhere:
  --relay URL     relay base URL (default ${DEFAULT_RELAY})
  -h, --help      help for a command: ${NAME} <command> --help

Try it with no account: run "npm start" (sandbox mode), then "${NAME} login sandbox".
`,
  login: `Usage: ${NAME} login <app> [options]

Acts as an instance: listens on 127.0.0.1 (random port), starts a flow at the relay, prints the
authorization URL (and opens it), waits for the relay to deliver the result, checks and decrypts
it, and prints the provider's token response as JSON on stdout.

Options:
  --relay URL        relay base URL (default ${DEFAULT_RELAY})
  --scope S          space-separated scopes (default: the app's default scopes)
  --tenant T         tenant (Microsoft apps)
  --mode M           delivery mode: form_post (default), query or fragment
  --curve C          instance key curve: X25519 (default) or P-256
  --no-open          do not open the browser; just print the URL
  --out FILE         write the token response to FILE (mode 0600) instead of stdout
  --timeout SECONDS  give up after this long (default ${DEFAULT_TIMEOUT})
  -h, --help         this help

Exit status: 0 token received; 1 denied, relay or provider error, timeout; 2 usage error.
`,
  refresh: `Usage: ${NAME} refresh <app> --refresh-token T [options]

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
  keygen: `Usage: ${NAME} keygen [--kid K]

Prints a fresh STATE_KEYS value: kid:key, key = base64url of 32 random bytes. To rotate, put the
new pair first and keep the old one after it for at least STATE_TTL: NEW,OLD.

Options:
  --kid K     key id, 1-16 chars of A-Z a-z 0-9 _ - (default k<yyyymmdd>)
  -h, --help  this help
`,
  apps: `Usage: ${NAME} apps [--relay URL] [--json]

Lists the relay's apps (GET /v1/apps): id, server, client id, and the redirect URI to register.

Options:
  --relay URL  relay base URL (default ${DEFAULT_RELAY})
  --json       print the raw JSON
  -h, --help   this help
`,
};

type OptionSpec = Record<string, { type: "string" | "boolean" }>;
interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

function parse(args: string[], options: OptionSpec): Parsed {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Parsed["values"], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function relayOption(value: unknown): string {
  const relay = typeof value === "string" ? value : DEFAULT_RELAY;
  if (!URL.canParse(relay) || !/^https?:$/.test(new URL(relay).protocol))
    throw new UsageError(`--relay must be an http(s) URL, got "${relay}"`);
  return relay.replace(/\/+$/, "");
}

function oneApp(positionals: string[], command: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new UsageError(`${command} needs exactly one <app>`);
  return positionals[0];
}

async function emitToken(io: CliIo, token: TokenResponse, out: string | undefined): Promise<void> {
  const json = `${JSON.stringify(token, null, 2)}\n`;
  if (out === undefined) {
    await io.stdout(json);
    return;
  }
  const file = await open(out, "w", 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(json);
  } finally {
    await file.close();
  }
  await chmod(out, 0o600);
  io.stderr(`${NAME}: token response written to ${out} (mode 0600)\n`);
}

// ---------------------------------------------------------------------------------------------
// login: the local instance

function page(title: string, message: string): string {
  const esc = (text: string) =>
    text.replace(
      /[&<>"']/g,
      (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
    );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1><p>${esc(message)}</p></body></html>`;
}

/** Fragment delivery: this page's script posts the fragment back to /callback, then drops it from history. */
function fragmentPage(nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${NAME}</title></head>
<body><h1 id="m">Handing the result to ${NAME}…</h1>
<script nonce="${nonce}">(function(){var f=location.hash.slice(1);history.replaceState(null,"",location.pathname);var m=document.getElementById("m");
if(!f){m.textContent="Nothing to deliver: this page expects the relay's result in the URL fragment.";return;}
fetch("/callback",{method:"POST",headers:{"content-type":"application/x-www-form-urlencoded"},body:f}).then(function(r){return r.text().then(function(t){m.textContent=r.ok?"Done. You can close this tab.":"Sign-in failed; see the terminal.";});},function(){m.textContent="Could not reach ${NAME}.";});})();</script></body></html>`;
}

function securityHeaders(csp: string): Record<string, string> {
  return {
    "content-security-policy": csp,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
}

const PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendHtml(res: ServerResponse, status: number, body: string, csp = PAGE_CSP): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...securityHeaders(csp) });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

type Outcome = { ok: true; token: TokenResponse } | { ok: false; reason: string };

interface Listener {
  readonly returnTo: string;
  readonly outcome: Promise<Outcome>;
  setPending(flow: PendingFlow): void;
  close(): void;
}

/** The instance's return endpoint: GET query, POST form, and the fragment page, on /callback. */
async function listen(): Promise<Listener> {
  let settle: (outcome: Outcome) => void = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  let pending: PendingFlow | null = null;
  let done = false;

  async function deliver(params: URLSearchParams, res: ServerResponse): Promise<void> {
    if (!pending || done) {
      sendHtml(res, 409, page("Not expecting a result", "This sign-in is already finished."));
      return;
    }
    try {
      const token = await openDelivery(params, pending);
      done = true;
      sendHtml(res, 200, page("Signed in", `Done. ${NAME} has the token; you can close this tab.`));
      settle({ ok: true, token });
    } catch (error) {
      if (error instanceof RelayClientError && (error.code === "invalid_state" || error.code === "invalid_request")) {
        // Not this flow's delivery (stale tab, wrong state): refuse it, keep waiting.
        sendHtml(res, 400, page("Not this sign-in", "This result does not belong to the sign-in in progress."));
        return;
      }
      done = true;
      const reason =
        error instanceof DeliveredError
          ? `${error.code}${error.description ? `: ${error.description}` : ""}`
          : error instanceof Error
            ? error.message
            : String(error);
      sendHtml(res, 400, page("Sign-in failed", reason));
      settle({ ok: false, reason });
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") {
      sendHtml(res, 404, page("Not found", "Nothing here."));
      return;
    }
    if (req.method === "GET") {
      if (url.searchParams.has("state")) {
        void deliver(url.searchParams, res);
        return;
      }
      const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
      sendHtml(
        res,
        200,
        fragmentPage(nonce),
        `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
      return;
    }
    if (req.method === "POST") {
      const type = (req.headers["content-type"] ?? "").toLowerCase();
      if (!type.startsWith("application/x-www-form-urlencoded")) {
        sendHtml(res, 415, page("Unsupported", "Expected a form post."));
        return;
      }
      void readBody(req, 128 * 1024).then((body) => {
        if (body === null) sendHtml(res, 413, page("Too large", "Request body too large."));
        else void deliver(new URLSearchParams(body), res);
      });
      return;
    }
    res.writeHead(405, { allow: "GET, POST", ...securityHeaders(PAGE_CSP) });
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    returnTo: `http://127.0.0.1:${port}/callback`,
    outcome,
    setPending: (flow) => {
      pending = flow;
    },
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

async function login(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    relay: { type: "string" },
    scope: { type: "string" },
    tenant: { type: "string" },
    mode: { type: "string" },
    curve: { type: "string" },
    "no-open": { type: "boolean" },
    out: { type: "string" },
    timeout: { type: "string" },
  });
  if (values.help) {
    io.stderr(HELP.login ?? "");
    return 0;
  }
  const app = oneApp(positionals, "login");
  const relay = relayOption(values.relay);
  const mode = (values.mode ?? "form_post") as string;
  if (mode !== "form_post" && mode !== "query" && mode !== "fragment")
    throw new UsageError("--mode must be form_post, query or fragment");
  const curve = (values.curve ?? "X25519") as string;
  if (curve !== "X25519" && curve !== "P-256") throw new UsageError("--curve must be X25519 or P-256");
  const timeoutRaw = (values.timeout ?? String(DEFAULT_TIMEOUT)) as string;
  if (!/^\d{1,5}$/.test(timeoutRaw) || Number(timeoutRaw) < 1) throw new UsageError("--timeout must be whole seconds");
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
      responseMode: mode as ResponseMode,
      curve,
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
}

async function refreshCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    relay: { type: "string" },
    "refresh-token": { type: "string" },
    scope: { type: "string" },
    tenant: { type: "string" },
    out: { type: "string" },
  });
  if (values.help) {
    io.stderr(HELP.refresh ?? "");
    return 0;
  }
  const app = oneApp(positionals, "refresh");
  const refreshToken = values["refresh-token"];
  if (typeof refreshToken !== "string" || refreshToken === "") throw new UsageError("refresh needs --refresh-token T");
  const token = await refresh({
    relay: relayOption(values.relay),
    app,
    refreshToken,
    scope: values.scope as string | undefined,
    tenant: values.tenant as string | undefined,
  });
  await emitToken(io, token, values.out as string | undefined);
  return 0;
}

async function keygen(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { kid: { type: "string" } });
  if (values.help) {
    io.stderr(HELP.keygen ?? "");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError("keygen takes no arguments");
  const kid = (values.kid as string | undefined) ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(kid)) throw new UsageError("--kid must be 1-16 chars of A-Z a-z 0-9 _ -");
  await io.stdout(`${generateStateKeyPair(kid)}\n`);
  return 0;
}

async function apps(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { relay: { type: "string" }, json: { type: "boolean" } });
  if (values.help) {
    io.stderr(HELP.apps ?? "");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError("apps takes no arguments");
  const list = await listApps({ relay: relayOption(values.relay) });
  if (values.json) {
    await io.stdout(`${JSON.stringify({ apps: list }, null, 2)}\n`);
    return 0;
  }
  const lines = list.map(
    (app) =>
      `${app.id}  (${app.name}; server ${app.server}; client_id ${app.client_id})\n  redirect URI: ${app.redirect_uri}\n  scopes: default [${app.scopes.default.join(" ")}], allowed [${app.scopes.allow.join(" ")}]\n`,
  );
  await io.stdout(lines.length > 0 ? lines.join("") : "(no apps)\n");
  return 0;
}

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  login,
  refresh: refreshCommand,
  keygen,
  apps,
};

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: CliIo = nodeIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.stderr(HELP.main ?? "");
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr(`${NAME}: unknown command "${command}"\n\n${HELP.main}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${NAME} ${command}: ${error.message} (see ${NAME} ${command} --help)\n`);
      return 2;
    }
    if (error instanceof RelayClientError) {
      io.stderr(`${NAME} ${command}: ${error.message}\n`);
      return 1;
    }
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${NAME} ${command}: ${message}${cause}\n`);
    return 1;
  }
}
