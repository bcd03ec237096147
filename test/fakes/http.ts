/**
 * Shared plumbing for the provider fakes: a fake is a `(Request) => Promise<Response>` handler that
 * can also listen on a random 127.0.0.1 port (node:http), so a harness can route the relay's
 * outbound fetch to it either in-process or over real loopback HTTP (Node or workerd).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (request: Request) => Promise<Response>;

export interface Listening {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** One token-endpoint (or other) request as the fake received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export async function recordRequest(request: Request): Promise<RecordedRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { method: request.method, url: request.url, headers, body: await request.text() };
}

async function toRequest(message: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = message.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks);
  return new Request(new URL(message.url ?? "/", origin), { method, headers, body });
}

async function writeResponse(response: Response, out: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  out.writeHead(response.status, headers);
  out.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Serves a handler on 127.0.0.1 (random port). `publicOrigin` is the origin the handler believes it
 * serves (e.g. https://api.dropboxapi.com), so request.url inside the handler looks like production.
 */
export async function listen(handler: Handler, publicOrigin: string): Promise<Listening> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((message, out) => {
    toRequest(message, publicOrigin)
      .then(handler)
      .then((response) => writeResponse(response, out))
      .catch(() => {
        out.writeHead(500, { "content-type": "text/plain" });
        out.end("fake failed");
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Outbound routing in-process: requests whose origin is a key go to that handler, others fail. */
export function routeTo(routes: Readonly<Record<string, Handler>>): Handler {
  return async (request) => {
    const handler = routes[new URL(request.url).origin];
    if (!handler) return new Response("no route to host in test", { status: 599 });
    return handler(request);
  };
}

/**
 * Outbound routing over loopback HTTP: the origin of each request is swapped for the listening
 * fake's `http://127.0.0.1:<port>`, then sent with the real fetch (the fake sees the original origin
 * again because it was started with that `publicOrigin`).
 */
export function routeOverLoopback(routes: Readonly<Record<string, string>>): Handler {
  return async (request) => {
    const url = new URL(request.url);
    const target = routes[url.origin];
    if (!target) return new Response("no route to host in test", { status: 599 });
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    return fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body,
      redirect: "manual",
      signal: request.signal,
    });
  };
}

/** Adapts a handler to the `typeof fetch` shape the relay's deps take. */
export function asFetch(handler: Handler): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => handler(new Request(input, init))) as typeof fetch;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

export function text(body: string, status: number, contentType = "text/plain; charset=utf-8"): Response {
  return new Response(body, { status, headers: { "content-type": contentType } });
}

export function randomToken(prefix: string, bytes = 24): string {
  return `${prefix}${Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url")}`;
}

export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return Buffer.from(digest).toString("base64url");
}

/** Client authentication from a token request: body (client_secret_post) or Basic (RFC 6749 §2.3.1). */
export function clientCredentials(
  request: RecordedRequest,
  form: URLSearchParams,
): { id: string | null; secret: string | null; method: "basic" | "post" | "none" } {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith("Basic ")) {
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return { id: null, secret: null, method: "basic" };
    const unform = (value: string) => decodeURIComponent(value.replace(/\+/g, " "));
    try {
      return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)), method: "basic" };
    } catch {
      return { id: null, secret: null, method: "basic" };
    }
  }
  const id = form.get("client_id");
  const secret = form.get("client_secret");
  return { id, secret, method: id !== null || secret !== null ? "post" : "none" };
}

/** What the "browser" does after the provider's authorize step. */
export type BrowserOutcome =
  | { readonly kind: "callback"; readonly request: CallbackRequest }
  /** The provider refused to redirect (bad client_id / redirect_uri…) and showed its own page. */
  | { readonly kind: "error_page"; readonly status: number; readonly message: string };

/** The request the browser makes to the relay's callback (its URL is the registered redirect_uri). */
export interface CallbackRequest {
  readonly method: "GET" | "POST";
  /** Full URL, starting with the redirect_uri the relay registered (RELAY_URL/v1/callback/<app>). */
  readonly url: string;
  /** form_post body (Microsoft). */
  readonly form?: URLSearchParams;
}

/**
 * Turns a callback request into a fetch against a relay actually listening at `relayUrl`: the
 * configured RELAY_URL prefix is replaced (the relay may listen on a random port).
 */
export function callbackFetchArgs(
  callback: CallbackRequest,
  configuredRelayUrl: string,
  relayUrl: string,
): [string, RequestInit] {
  if (!callback.url.startsWith(`${configuredRelayUrl}/`))
    throw new Error(`callback ${callback.url} is not the relay's`);
  const url = `${relayUrl}${callback.url.slice(configuredRelayUrl.length)}`;
  if (callback.method === "GET") return [url, { method: "GET", redirect: "manual" }];
  return [
    url,
    {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: callback.form?.toString() ?? "",
    },
  ];
}
