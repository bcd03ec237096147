/**
 * Cloudflare Workers entry, the one `wrangler deploy` bundles (wrangler.toml `main`): the relay
 * without the sandbox server, which is not in this bundle. With SANDBOX=1 every request fails
 * closed with a 500 saying so.
 */
import { createWorker } from "./app.js";

export default createWorker();
