import { createServer } from "node:net";

/**
 * A loopback TCP port free right now, so a URL (RELAY_URL, a provider's issuer) can be known before
 * the process that binds it starts. The one copy for every suite.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
