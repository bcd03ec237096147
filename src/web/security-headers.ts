import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * Headers on every response (docs/PROTOCOL.md §3; RFC 9700 §4.2.4, §4.16; RFC 6749 §5.1).
 * HTML pages set their own, stricter Content-Security-Policy first; `overwrite: false` keeps it.
 */
const baseline = secureHeaders({
  overwrite: false,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  strictTransportSecurity: "max-age=31536000",
  crossOriginResourcePolicy: "same-origin",
  crossOriginOpenerPolicy: "same-origin",
});

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await baseline(c, async () => {
    await next();
    c.res.headers.set("Cache-Control", "no-store");
    c.res.headers.set("Pragma", "no-cache");
    // No cookies and no CORS, whatever a handler did (RFC 9700 §2.6).
    c.res.headers.delete("Set-Cookie");
    for (const name of [...c.res.headers.keys()]) {
      if (name.startsWith("access-control-")) c.res.headers.delete(name);
    }
  });
};
