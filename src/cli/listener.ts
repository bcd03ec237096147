/**
 * The CLI's stand-in for an instance's return endpoint: a loopback HTTP server on /callback that
 * takes the relay's delivery in every response mode (GET query, POST form, and a page that posts a
 * fragment back), opens it with the reference client, and answers with the relay's own page style.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { html } from "hono/html";
import {
  DeliveredError,
  openDelivery,
  type PendingFlow,
  RelayClientError,
  type TokenResponse,
} from "../client/index.js";
import { layout, messagePage, newNonce, type Page, pageCsp } from "../web/pages.js";
import { NAME } from "./args.js";

export type Outcome = { ok: true; token: TokenResponse } | { ok: false; reason: string };

export interface Listener {
  readonly returnTo: string;
  readonly outcome: Promise<Outcome>;
  setPending(flow: PendingFlow): void;
  close(): void;
}

/** Fragment delivery: this page's script posts the fragment back to /callback, then drops it from history. */
function fragmentPage(): Page {
  const nonce = newNonce();
  const content = html`<h1 id="m">Handing the result to ${NAME}…</h1>
<script nonce="${nonce}">(function(){var f=location.hash.slice(1);history.replaceState(null,"",location.pathname);var m=document.getElementById("m");
if(!f){m.textContent="Nothing to deliver: this page expects the relay's result in the URL fragment.";return;}
fetch("/callback",{method:"POST",headers:{"content-type":"application/x-www-form-urlencoded"},body:f}).then(function(r){m.textContent=r.ok?"Done. You can close this tab.":"Sign-in failed; see the terminal.";},function(){m.textContent="Could not reach ${NAME}.";});})();</script>`;
  return { body: layout(nonce, NAME, content), csp: `${pageCsp(nonce, "'none'", true)}; connect-src 'self'` };
}

async function send(res: ServerResponse, status: number, page: Page): Promise<void> {
  const body = String(await page.body);
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": page.csp,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  });
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

export async function listen(): Promise<Listener> {
  let settle: (outcome: Outcome) => void = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  let pending: PendingFlow | null = null;
  let done = false;

  async function deliver(params: URLSearchParams, res: ServerResponse): Promise<void> {
    if (!pending || done) {
      await send(res, 409, messagePage("Not expecting a result", "This sign-in is already finished."));
      return;
    }
    try {
      const token = await openDelivery(params, pending);
      done = true;
      await send(res, 200, messagePage("Signed in", `Done. ${NAME} has the token; you can close this tab.`));
      settle({ ok: true, token });
    } catch (error) {
      if (error instanceof RelayClientError && (error.code === "invalid_state" || error.code === "invalid_request")) {
        // Not this flow's delivery (stale tab, wrong state): refuse it, keep waiting.
        await send(
          res,
          400,
          messagePage("Not this sign-in", "This result does not belong to the sign-in in progress."),
        );
        return;
      }
      done = true;
      const reason =
        error instanceof DeliveredError
          ? `${error.code}${error.description ? `: ${error.description}` : ""}`
          : error instanceof Error
            ? error.message
            : String(error);
      await send(res, 400, messagePage("Sign-in failed", reason));
      settle({ ok: false, reason });
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") {
      void send(res, 404, messagePage("Not found", "Nothing here."));
      return;
    }
    if (req.method === "GET") {
      if (url.searchParams.has("state")) void deliver(url.searchParams, res);
      else void send(res, 200, fragmentPage());
      return;
    }
    if (req.method === "POST") {
      const type = (req.headers["content-type"] ?? "").toLowerCase();
      if (!type.startsWith("application/x-www-form-urlencoded")) {
        void send(res, 415, messagePage("Unsupported", "Expected a form post."));
        return;
      }
      void readBody(req, 128 * 1024).then((body) => {
        if (body === null) void send(res, 413, messagePage("Too large", "Request body too large."));
        else void deliver(new URLSearchParams(body), res);
      });
      return;
    }
    res.writeHead(405, { allow: "GET, POST", "cache-control": "no-store" });
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
