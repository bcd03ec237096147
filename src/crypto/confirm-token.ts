import type { CryptoEngine } from "./engine.js";
import type { StateKeyRing } from "./state-keys.js";

/**
 * The confirm page's token: the full provider authorization URL (which holds the relay state),
 * sealed like the relay state but typed apart from it, so neither is accepted in place of the
 * other. It never goes to the provider, so the provider's state limit does not apply.
 */
const CONFIRM_TYP = "oauth-relay-confirm";

export function sealConfirmToken(engine: CryptoEngine, authorizationUrl: string, keys: StateKeyRing): Promise<string> {
  return engine.seal(new TextEncoder().encode(authorizationUrl), CONFIRM_TYP, keys);
}

export async function openConfirmToken(
  engine: CryptoEngine,
  token: string,
  keys: StateKeyRing,
): Promise<string | null> {
  const plaintext = await engine.unseal(token, CONFIRM_TYP, keys);
  return plaintext === null ? null : new TextDecoder().decode(plaintext);
}
