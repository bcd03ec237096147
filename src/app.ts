import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
// hono/tiny: the PatternRouter is plenty for a dozen routes and keeps the Worker bundle small.
import { Hono } from "hono/tiny";
import { ConfigError } from "./config.js";
import { callbackUrl } from "./flow/authorization-url.js";
import { handleCallback } from "./flow/callback.js";
import { handleConfirm } from "./flow/confirm.js";
import type { RelayDeps, RelayEnv } from "./flow/context.js";
import { handleRefresh } from "./flow/refresh.js";
import { startFlow } from "./flow/start.js";
import { VERSION } from "./version.js";
import { apiError } from "./web/api-error.js";
import { type RateLimitSetup, rateLimitMiddleware } from "./web/rate-limit.js";
import { securityHeaders } from "./web/security-headers.js";

/** Longest request URL accepted (checklist #64); the relay's own URLs stay far below it. */
const MAX_URL = 8192;
/** Largest request body: flow requests, form_post callbacks and refresh requests are all small. */
const MAX_BODY = 16 * 1024;

export interface AppOptions {
  /** Resolves the dependencies for a request (Node: fixed; Workers: from the env, cached). */
  readonly resolveDeps: (c: Context) => Promise<RelayDeps>;
  /** Node only: Prometheus text for GET /metrics. */
  readonly metrics?: () => string;
  /** Extra routes mounted after the relay's own (the sandbox server). */
  readonly mount?: (app: Hono<RelayEnv>, deps: (c: Context) => RelayDeps) => void;
  /** The client's address (Node: socket; Workers: cf-connecting-ip). Only ever used hashed. */
  readonly clientAddress?: (c: Context) => string | undefined;
  /** Rate limiting (src/web/rate-limit.ts), resolved per request; off when absent or undefined. */
  readonly rateLimit?: (c: Context) => RateLimitSetup | undefined;
}

const limitBody = bodyLimit({
  maxSize: MAX_BODY,
  onError: (c) => apiError(c, 413, "invalid_request", `request body over ${MAX_BODY} bytes`),
});

/** The relay as a runtime-neutral Hono app: only web-standard APIs below this line. */
export function createApp(options: AppOptions): Hono<RelayEnv> {
  const app = new Hono<RelayEnv>();
  app.use(securityHeaders);
  app.use(async (c, next) => {
    if (c.req.url.length > MAX_URL)
      return apiError(c, 414, "invalid_request", `request URL over ${MAX_URL} characters`);
    try {
      c.set("deps", await options.resolveDeps(c));
    } catch (error) {
      if (error instanceof ConfigError) return apiError(c, 500, "server_error", `relay ${error.message}`);
      throw error;
    }
    await next();
  });
  // Before any body is read, any crypto and any upstream call (checklist #66).
  if (options.rateLimit) app.use(rateLimitMiddleware(options.rateLimit, options.clientAddress ?? (() => undefined)));

  app.get("/healthz", (c) => c.json({ ok: true, version: VERSION }));
  if (options.metrics) {
    const metrics = options.metrics;
    app.get("/metrics", (c) => c.text(metrics(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }));
  }

  app.get("/v1/apps", (c) => {
    const { config } = c.get("deps");
    const apps = [...config.apps.values()].map((entry) => ({
      id: entry.id,
      name: entry.name,
      server: entry.server.id,
      client_id: entry.clientId,
      redirect_uri: callbackUrl(config.relayUrl, entry.id),
      scopes: { default: entry.scopes.default, allow: entry.scopes.allow },
      tenant: {
        required: false,
        default: entry.tenant ?? (entry.server.tenant.supported ? "common" : null),
      },
      params: entry.server.allowedParams,
    }));
    return c.json({ apps });
  });

  app.post("/v1/flows", limitBody, startFlow);
  app.get("/v1/confirm", handleConfirm);

  // HEAD and OPTIONS never reach the exchange: link scanners must not burn codes (checklist #24).
  // (Hono would otherwise answer HEAD with the GET handler.)
  app.use("/v1/callback/:app", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "POST") {
      c.header("Allow", "GET, POST");
      return apiError(c, 405, "invalid_request", "the callback accepts GET and POST only");
    }
    await next();
  });
  app.get("/v1/callback/:app", handleCallback);
  app.post("/v1/callback/:app", limitBody, handleCallback);
  app.post("/v1/token/:app", limitBody, handleRefresh);

  options.mount?.(app, (c) => c.get("deps"));

  app.notFound((c) => apiError(c, 404, "not_found", "no such endpoint; see /v1/apps"));
  // Errors are answered with a fixed text: no message, no stack, nothing from the request.
  app.onError((_error, c) => apiError(c, 500, "server_error", "the relay failed to handle this request"));
  return app;
}
