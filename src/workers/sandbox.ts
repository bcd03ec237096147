/**
 * Development-only Workers entry: the relay with the built-in sandbox OAuth2 server mounted, for
 * `npx wrangler dev --env sandbox` (wrangler.toml [env.sandbox]). Never the production bundle: the
 * sandbox keeps codes and tokens in isolate memory, for local trials.
 *
 * Zero-config like `npm start`: [env.sandbox] vars give RELAY_URL and the limits' bindings, and the
 * state key and client secret, when neither .dev.vars nor --env-file sets them, are made up once
 * per isolate (gone when it is) — wrangler.toml must not hold secrets.
 */
import { type Env, sandboxDefaults } from "../config.js";
import { mountQorusBridge } from "../legacy/bridge.js";
import { mountSandbox, sandboxAwareFetch } from "../sandbox/server.js";
import { createWorker } from "./app.js";

let ephemeral: Env | undefined;

function withSandboxDefaults(env: Env): Env {
  // Made once per isolate, on first use: Workers allow no random values at global scope.
  ephemeral ??= sandboxDefaults({}, "from-env");
  const { STATE_KEYS, CLIENT_SECRET_SANDBOX } = ephemeral;
  return sandboxDefaults({ STATE_KEYS, CLIENT_SECRET_SANDBOX, ...env }, "from-env");
}

// Local trials get everything: the sandbox, and the Qorus bridge when LEGACY_QORUS=1.
export default createWorker({
  sandbox: { mountSandbox, sandboxAwareFetch },
  qorusBridge: mountQorusBridge,
  configEnv: withSandboxDefaults,
});
