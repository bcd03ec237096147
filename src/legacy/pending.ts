import { CLOCK_TOLERANCE } from "../crypto/relay-state.js";
import { seal, unseal } from "../crypto/sealed.js";
import type { StateKeyRing } from "../crypto/state-keys.js";
import * as z from "../schema.js";

/**
 * The bridge's pending object: what the relay needs to finish an old-protocol flow once the user
 * confirms an unlisted `update_connection_uri` — sealed like the v1 pending object, typed apart from
 * it (src/crypto/sealed.ts), 180 s, good for one answer.
 */
export const QORUS_PENDING_TYP = "oauth-relay-qorus-pending";
const LIFETIME = 180;

export interface QorusPending {
  readonly app: string;
  /** Template variables the instance's token URL chose. */
  readonly vars: Readonly<Record<string, string>>;
  readonly code: string;
  readonly codeVerifier: string | null;
  readonly conn: string;
  readonly authContext: string;
  readonly redirectUri: string;
  readonly updateConnectionUri: string;
}

const schema = z.strictObject({
  exp: z.wholeNumber(0, 2 ** 32),
  app: z.string(),
  vars: z.record(z.string(), z.string()),
  code: z.string(),
  codeVerifier: z.nullable(z.string()),
  conn: z.string(),
  authContext: z.string(),
  redirectUri: z.string(),
  updateConnectionUri: z.string(),
});

export function sealQorusPending(pending: QorusPending, keys: StateKeyRing, now: number): Promise<string> {
  const body = JSON.stringify({ ...pending, exp: now + LIFETIME });
  return seal(new TextEncoder().encode(body), QORUS_PENDING_TYP, keys);
}

export async function openQorusPending(
  token: string,
  keys: StateKeyRing,
  now: number,
): Promise<{ pending: QorusPending; exp: number } | null> {
  const plaintext = await unseal(token, QORUS_PENDING_TYP, keys);
  if (plaintext === null) return null;
  try {
    const { exp, ...pending } = schema.parse(JSON.parse(new TextDecoder().decode(plaintext)));
    return now > exp + CLOCK_TOLERANCE ? null : { pending, exp };
  } catch {
    return null;
  }
}
