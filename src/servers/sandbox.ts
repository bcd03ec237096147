import type { CatalogueEntry } from "./entry.js";

/**
 * The built-in sandbox authorization server (SANDBOX=1): a real OAuth2 server served by the relay
 * itself under /sandbox, so the whole flow can be tried without an account anywhere. It sends
 * RFC 9207 `iss`, so the relay checks it.
 */
export function sandboxEntry(relayUrl: string): CatalogueEntry {
  return {
    id: "sandbox",
    name: "Sandbox",
    authorize: `${relayUrl}/sandbox/authorize`,
    token: `${relayUrl}/sandbox/token`,
    auth: { method: "basic", encoding: "form" },
    params: ["login_hint"],
    scopes: { default: "profile", allow: "profile files.* offline_access" },
    iss: true,
    issuer: `${relayUrl}/sandbox`,
  };
}
