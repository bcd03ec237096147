import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiError } from "./api-error.js";

/** Largest request body: flow requests, form_post callbacks and refresh requests are all small. */
const MAX_BODY = 16 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY,
  onError: (c) => apiError(c, 413, "invalid_request", `request body over ${MAX_BODY} bytes`),
});

/** Only `methods` reach the handlers of `path`: HEAD and OPTIONS never reach an exchange. */
// biome-ignore lint/suspicious/noExplicitAny: any Hono env; the guard reads only the method
export function allowOnly(app: Hono<any>, path: string, methods: readonly string[]): void {
  app.use(path, async (c, next) => {
    if (!methods.includes(c.req.method)) {
      c.header("Allow", methods.join(", "));
      return apiError(c, 405, "invalid_request", `${path} accepts ${methods.join(" and ")} only`);
    }
    await next();
  });
}
