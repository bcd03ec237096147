/**
 * Development-only Workers entry: the relay of src/worker.ts (src/worker-app.ts) with the built-in
 * sandbox OAuth2 server mounted, for `npx wrangler dev --env sandbox` (wrangler.toml [env.sandbox]).
 * Never the production bundle: the sandbox keeps codes and tokens in isolate memory, for local trials.
 *
 * Zero-config like `npm start`: [env.sandbox] vars give SANDBOX=1, RELAY_URL and the sandbox app,
 * and the two secrets, when neither .dev.vars nor --env-file sets them, are made up once per
 * isolate (gone when it is) — wrangler.toml must not hold secrets.
 */
import type { Env } from "./config.js";
import { generateStateKeyPair } from "./crypto/state-keys.js";
import { mountSandbox, sandboxAwareFetch } from "./sandbox/server.js";
import { createWorkerApp } from "./worker-app.js";

let ephemeral: Env | undefined;

function withEphemeralSecrets(env: Env): Env {
  // Made on first use: Workers allow no random values at global scope.
  ephemeral ??= {
    STATE_KEYS: generateStateKeyPair("sbx"),
    CLIENT_SECRET_SANDBOX: generateStateKeyPair("sbx").slice("sbx:".length),
  };
  return { ...ephemeral, ...env };
}

export default createWorkerApp({ sandbox: { mountSandbox, sandboxAwareFetch, configEnv: withEphemeralSecrets } });
