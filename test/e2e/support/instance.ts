/**
 * A minimal Qorus-instance stand-in, listening for real on loopback: it starts flows at the relay
 * (POST /v1/flows) through the reference instance client (src/client), receives the delivery in any
 * of the three response modes (form_post POST, query GET, fragment read by its page script), opens
 * it with the client (one-use state, ECDH-ES/A256GCM only, typ, kid, iss, aud, state, exp), and
 * shows the person a result page.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { decryptResult, PendingFlows, type ResultClaims, readDelivery, startFlow } from "../../../src/client/index.js";
import { send } from "./http.js";

export type ResponseMode = "form_post" | "query" | "fragment";

export type Outcome =
  | { readonly kind: "result"; readonly via: ResponseMode; readonly claims: ResultClaims }
  | { readonly kind: "error"; readonly via: ResponseMode; readonly error: string; readonly description: string };

export interface Flow {
  readonly authorizationUrl: string;
  readonly state: string;
  readonly returnTo: string;
  /** Settles when the instance has received and checked this flow's delivery. */
  readonly outcome: Promise<Outcome>;
}

interface Waiter {
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
}

/** fetch for the client that trusts the test's self-signed certificate. */
function fetchTrusting(ca: Buffer | undefined): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === "string" ? init.body : undefined;
    const response = await send(url, { method: init?.method ?? "GET", headers, body, ca });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === "string") responseHeaders.set(name, value);
    }
    return new Response(response.body, { status: response.status, headers: responseHeaders });
  }) as typeof fetch;
}

export interface Instance {
  /** The origin the browser uses (may be a test host name that the browser maps to 127.0.0.1). */
  readonly origin: string;
  startFlow(relayUrl: string, request: { app: string; responseMode: ResponseMode; ca?: Buffer }): Promise<Flow>;
  /** Everything secret the instance has seen: states, return_to path segments, tokens. */
  readonly sentinels: string[];
  close(): Promise<void>;
}

const random = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string, script = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}
.ok{color:#166534}.err{color:#991b1b}code{word-break:break-all}</style></head><body>${body}${script}</body></html>`;
}

/** The fragment-mode landing page: the browser alone sees the fragment, so a script posts it back. */
const FRAGMENT_SCRIPT = `<script>
(async () => {
  const fields = location.hash.slice(1);
  history.replaceState(null, "", location.pathname);
  const response = await fetch(location.pathname, { method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-relay-delivery": "fragment" }, body: fields });
  document.body.innerHTML = await response.text();
})();
</script>`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startInstance(
  options: { port?: number; host?: string; tls?: { cert: Buffer; key: Buffer } } = {},
): Promise<Instance> {
  const pending = new PendingFlows();
  const waiters = new Map<string, Waiter>();
  const sentinels: string[] = [];
  const scheme = options.tls ? "https" : "http";

  async function settle(fields: URLSearchParams, via: ResponseMode): Promise<[number, string]> {
    const delivery = readDelivery(fields);
    const waiter = delivery ? waiters.get(delivery.state) : undefined;
    const flow = delivery ? pending.take(delivery.state) : undefined; // one use, whatever follows
    if (!delivery || !waiter || !flow) return [400, `<h1 class="err">Unknown or used state</h1>`];
    waiters.delete(delivery.state);
    if (delivery.kind === "error") {
      waiter.resolve({ kind: "error", via, error: delivery.error, description: delivery.errorDescription });
      return [
        200,
        `<h1 class="err">Connection failed</h1><p>The relay reported <code>${escapeHtml(delivery.error)}</code>: ${escapeHtml(delivery.errorDescription)}</p>`,
      ];
    }
    try {
      const claims = await decryptResult(delivery.result, flow);
      for (const name of ["access_token", "refresh_token", "id_token"]) {
        const value = claims.token[name];
        if (typeof value === "string") sentinels.push(value);
      }
      waiter.resolve({ kind: "result", via, claims });
      return [
        200,
        `<h1 class="ok">Connected</h1><p>The instance decrypted a <code>${escapeHtml(claims.token.token_type)}</code> token for app <code>${escapeHtml(claims.app)}</code>.</p>`,
      ];
    } catch (error) {
      waiter.reject(error as Error);
      return [400, `<h1 class="err">Result rejected</h1>`];
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://instance");
    const reply = (status: number, html: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html);
    };
    if (url.pathname === "/frame") {
      // Another origin trying to frame a relay page (clickjacking check).
      const src = url.searchParams.get("src") ?? "about:blank";
      reply(
        200,
        page(
          "Framing test",
          `<h1>Framing test</h1><iframe id="target" width="700" height="400" src="${escapeHtml(src)}"></iframe>`,
        ),
      );
      return;
    }
    if (!url.pathname.startsWith("/oauth2/")) return reply(404, page("Not found", "<h1>Not found</h1>"));
    if (req.method === "POST") {
      const body = new URLSearchParams(await readBody(req));
      const fragment = req.headers["x-relay-delivery"] === "fragment";
      const [status, html] = await settle(body, fragment ? "fragment" : "form_post");
      return reply(status, fragment ? html : page("Instance", html));
    }
    if (url.searchParams.has("state")) {
      const [status, html] = await settle(url.searchParams, "query");
      return reply(status, page("Instance", html));
    }
    return reply(200, page("Instance", "<p>Reading the relay's answer…</p>", FRAGMENT_SCRIPT));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `${scheme}://${options.host ?? "127.0.0.1"}:${port}`;

  return {
    origin,
    sentinels,
    async startFlow(relayUrl, request) {
      const segment = `RETURN_SENTINEL_${random(9)}`;
      const returnTo = `${origin}/oauth2/${segment}/relay`;
      const started = await startFlow({
        relay: relayUrl,
        app: request.app,
        returnTo,
        responseMode: request.responseMode,
        fetch: fetchTrusting(request.ca),
      });
      const state = started.pending.state;
      sentinels.push(state, segment);
      let resolve!: (outcome: Outcome) => void;
      let reject!: (error: Error) => void;
      const outcome = new Promise<Outcome>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      outcome.catch(() => {});
      pending.add(started.pending);
      waiters.set(state, { resolve, reject });
      return { authorizationUrl: started.authorizationUrl, state, returnTo, outcome };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
