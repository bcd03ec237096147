/**
 * Workers entry for the Qorus cloud API bridge (wrangler.toml [env.qorus], routed on the relay's
 * host by path: /qorus-oauth2-redirect* and /qorus-api/*): the relay with the bridge's routes
 * mounted. A separate Worker so that the relay's own bundle does not carry the YAML parser; it
 * needs LEGACY_QORUS=1 and the same STATE_KEYS, APPS and secrets as the relay.
 */
import { mountQorusBridge } from "../legacy/bridge.js";
import { createWorker } from "./app.js";

export default createWorker({ qorusBridge: mountQorusBridge });
