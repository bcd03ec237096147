import type { Context } from "hono";
// hono/tiny: the PatternRouter is plenty for a dozen routes and keeps the Worker bundle small.
import { Hono } from "hono/tiny";
import type { AppConfig } from "./config.js";
import { clientAddressKey } from "./crypto/keyed-hash.js";
import { callbackUrl } from "./flow/authorization-url.js";
import { handleCallback } from "./flow/callback.js";
import { handleConfirm } from "./flow/confirm.js";
import type { RelayDeps, RelayEnv } from "./flow/context.js";
import { handleRefresh } from "./flow/refresh.js";
import { startFlow } from "./flow/start.js";
import { VERSION } from "./version.js";
import { apiError } from "./web/api-error.js";
import { perClientLimit } from "./web/limits.js";
import { allowOnly, limitBody } from "./web/route-guards.js";
import { securityHeaders } from "./web/security-headers.js";

/** Longest request URL accepted; the relay's own URLs stay far below it. */
const MAX_URL = 8192;

/** Routes mounted next to the relay's own (the sandbox server, the Qorus cloud API bridge). */
export type Mount = (app: Hono<RelayEnv>) => void;

export interface AppOptions {
  readonly deps: RelayDeps;
  /** Node only: Prometheus text for GET /metrics. */
  readonly metrics?: () => string;
  readonly mounts?: readonly Mount[];
  /** The client's address (Node: socket; Workers: cf-connecting-ip). Only ever used hashed. */
  readonly clientAddress?: (c: Context) => string | undefined;
}

/** The relay as a runtime-neutral Hono app: only web-standard APIs below this line. */
/** The older `tenant` member of an app listing: `vars.tenant` for servers that have one. */
function tenantInfo(app: AppConfig): { required: boolean; default: string | null } {
  const variable = app.server.variables.find((candidate) => candidate.name === "tenant");
  const value = app.vars.tenant ?? variable?.default ?? null;
  return { required: variable !== undefined && value === null, default: value };
}

export function createApp(options: AppOptions): Hono<RelayEnv> {
  const { deps } = options;
  const { config } = deps;
  const app = new Hono<RelayEnv>();
  app.use(securityHeaders);
  app.use(async (c, next) => {
    if (c.req.url.length > MAX_URL)
      return apiError(c, 414, "invalid_request", `request URL over ${MAX_URL} characters`);
    c.set("deps", deps);
    await next();
  });
  // Before any body is read, any crypto and any upstream call: the cheap refusal first.
  const address = options.clientAddress ?? (() => undefined);
  app.use(
    perClientLimit(
      () => deps.limits,
      (c) => clientAddressKey(config.stateKeys.hashKey, address(c) ?? "unknown"),
    ),
  );

  app.get("/healthz", (c) => c.json({ ok: true, version: VERSION }));
  if (options.metrics) {
    const metrics = options.metrics;
    app.get("/metrics", (c) => c.text(metrics(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }));
  }

  app.get("/v1/apps", (c) => {
    const apps = [...config.apps.values()].map((entry) => ({
      id: entry.id,
      name: entry.name,
      server: entry.server.id,
      client_id: entry.clientId,
      redirect_uri: callbackUrl(config.relayUrl, entry.id),
      scopes: { default: entry.scopes.default, allow: entry.scopes.allow },
      // What an instance may set per flow and refresh; operator-only variables are left out.
      vars: Object.fromEntries(
        entry.server.variables
          .filter((variable) => !variable.operatorOnly)
          .map((variable) => {
            const value = entry.vars[variable.name] ?? variable.default;
            return [variable.name, { required: value === null, default: value, example: variable.example }];
          }),
      ),
      tenant: tenantInfo(entry),
      params: entry.server.allowedParams,
    }));
    return c.json({ apps });
  });

  app.post("/v1/flows", limitBody, startFlow);
  allowOnly(app, "/v1/confirm", ["POST"]);
  app.post("/v1/confirm", limitBody, handleConfirm);
  allowOnly(app, "/v1/callback/:app", ["GET", "POST"]);
  app.get("/v1/callback/:app", handleCallback);
  app.post("/v1/callback/:app", limitBody, handleCallback);
  app.post("/v1/token/:app", limitBody, handleRefresh);

  for (const mount of options.mounts ?? []) mount(app);

  app.notFound((c) => apiError(c, 404, "not_found", "no such endpoint; see /v1/apps"));
  // Errors are answered with a fixed text: no message, no stack, nothing from the request.
  app.onError((_error, c) => apiError(c, 500, "server_error", "the relay failed to handle this request"));
  return app;
}
