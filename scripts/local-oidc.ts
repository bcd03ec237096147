/**
 * A local OAuth2/OpenID server for trying the relay with a generic app, no account needed:
 * oidc-provider (the same one the test suite uses) on http://127.0.0.1:9010, with one confidential
 * client whose only redirect URI is the relay's callback for app `local`. Its login page accepts
 * any user name. Prints the configuration to give the relay, then serves until Ctrl-C.
 *
 *   npm run local-oidc                          # relay expected at http://127.0.0.1:8787
 *   npm run local-oidc -- http://127.0.0.1:8788 # another relay URL
 */
import { startOidcProvider } from "../test/harness/oidc.js";

const relayUrl = process.argv[2] ?? "http://127.0.0.1:8787";
const client = {
  appId: "local",
  clientId: "local-client",
  clientSecret: "local-secret-change-me",
  authMethod: "client_secret_basic" as const,
};
const server = await startOidcProvider(relayUrl, [client], 9010);
const app = {
  ...server.app(client, "local-oidc"),
  scopes: { default: ["openid", "offline_access"], allow: ["openid", "offline_access", "profile", "email"] },
};

process.stdout.write(`oidc-provider listening on ${server.issuer} (any user name signs in)

Relay configuration (.env for npm start, or .dev.vars for npx wrangler dev):

RELAY_URL=${relayUrl}
STATE_KEYS=<output of: node bin/qorus-oauth-relay.mjs keygen>
APPS=${JSON.stringify([app])}
CLIENT_SECRET_LOCAL=${client.clientSecret}

Press Ctrl-C to stop.
`);
process.once("SIGINT", () => server.close().then(() => process.exit(0)));
process.once("SIGTERM", () => server.close().then(() => process.exit(0)));
