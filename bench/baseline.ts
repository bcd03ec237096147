/**
 * The bare baseline for the HTTP benchmark: the least a relay-shaped handler can do. It forwards
 * the code to the token endpoint with fetch and 303-redirects with the raw token response in the
 * URL — no state, no crypto, no validation, no security headers. Never deploy anything like it.
 */
import { Hono } from "hono";

export function createBaselineApp(tokenUrl: string, returnTo: string): Hono {
  const app = new Hono();
  app.get("/v1/callback/:app", async (c) => {
    const code = c.req.query("code") ?? "";
    const upstream = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=authorization_code&code=${encodeURIComponent(code)}`,
    });
    const token = await upstream.text();
    return c.redirect(`${returnTo}?token=${encodeURIComponent(token)}`, 303);
  });
  return app;
}
