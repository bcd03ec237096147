/**
 * A minimal Qorus-instance stand-in, listening for real on loopback: it starts flows at the relay
 * (POST /v1/flows) with its own key pair, receives the delivery in any of the three response modes
 * (form_post POST, query GET, fragment read by its page script), decrypts the result the way
 * DESIGN.md tells an instance to, and shows the person a result page.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, type JWTPayload, jwtDecrypt } from "jose";
import { send } from "./http.js";

export type ResponseMode = "form_post" | "query" | "fragment";

export type Outcome =
  | { readonly kind: "result"; readonly via: ResponseMode; readonly claims: JWTPayload & Record<string, unknown> }
  | { readonly kind: "error"; readonly via: ResponseMode; readonly error: string; readonly description: string };

export interface Flow {
  readonly authorizationUrl: string;
  readonly state: string;
  readonly returnTo: string;
  /** Settles when the instance has received and checked this flow's delivery. */
  readonly outcome: Promise<Outcome>;
}

interface Pending {
  readonly key: CryptoKey;
  readonly thumbprint: string;
  readonly relayUrl: string;
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
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
  const pending = new Map<string, Pending>();
  const sentinels: string[] = [];
  const scheme = options.tls ? "https" : "http";

  async function settle(fields: URLSearchParams, via: ResponseMode): Promise<[number, string]> {
    const state = fields.get("state") ?? "";
    const flow = pending.get(state);
    if (!flow) return [400, `<h1 class="err">Unknown or used state</h1>`];
    pending.delete(state); // one use
    const error = fields.get("error");
    if (error !== null) {
      const description = fields.get("error_description") ?? "";
      flow.resolve({ kind: "error", via, error, description });
      return [
        200,
        `<h1 class="err">Connection failed</h1><p>The relay reported <code>${escapeHtml(error)}</code>: ${escapeHtml(description)}</p>`,
      ];
    }
    try {
      const { payload } = await jwtDecrypt(fields.get("result") ?? "", flow.key, {
        keyManagementAlgorithms: ["ECDH-ES"],
        contentEncryptionAlgorithms: ["A256GCM"],
        maxDecompressedLength: 0,
        typ: "oauth-relay-result+jwt",
        issuer: flow.relayUrl,
        audience: flow.thumbprint,
        requiredClaims: ["iat", "exp", "jti"],
      });
      if (payload.state !== state) throw new Error("result state does not match the delivery state");
      const token = payload.token as Record<string, unknown> | undefined;
      for (const name of ["access_token", "refresh_token", "id_token"]) {
        const value = token?.[name];
        if (typeof value === "string") sentinels.push(value);
      }
      flow.resolve({ kind: "result", via, claims: payload as JWTPayload & Record<string, unknown> });
      return [
        200,
        `<h1 class="ok">Connected</h1><p>The instance decrypted a <code>${escapeHtml(String(token?.token_type))}</code> token for app <code>${escapeHtml(String(payload.app))}</code>.</p>`,
      ];
    } catch (error) {
      flow.reject(error as Error);
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
      const { publicKey, privateKey } = await generateKeyPair("ECDH-ES", { crv: "X25519", extractable: true });
      const jwk = await exportJWK(publicKey);
      const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
      const thumbprint = await calculateJwkThumbprint(publicJwk, "sha256");
      const state = `STATE_SENTINEL_${random(24)}`;
      const segment = `RETURN_SENTINEL_${random(9)}`;
      const returnTo = `${origin}/oauth2/${segment}/relay`;
      sentinels.push(state, segment);
      const response = await send(`${relayUrl}/v1/flows`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          app: request.app,
          return_to: returnTo,
          state,
          key: publicJwk,
          response_mode: request.responseMode,
        }),
        ca: request.ca,
      });
      if (response.status !== 201) throw new Error(`POST /v1/flows: ${response.status} ${response.body}`);
      const { authorization_url: authorizationUrl } = JSON.parse(response.body) as { authorization_url: string };
      let resolve!: (outcome: Outcome) => void;
      let reject!: (error: Error) => void;
      const outcome = new Promise<Outcome>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      outcome.catch(() => {});
      pending.set(state, { key: privateKey, thumbprint, relayUrl, resolve, reject });
      return { authorizationUrl, state, returnTo, outcome };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
