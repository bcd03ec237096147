import { base64url } from "jose";
import * as z from "../schema.js";
import { CLOCK_TOLERANCE, decodeRelayState, encodeRelayState, type RelayState } from "./relay-state.js";
import { seal, unseal } from "./sealed.js";
import type { StateKeyRing } from "./state-keys.js";

/**
 * The pending object: what the relay needs to finish a flow after the user confirms an unlisted
 * return origin — the opened relay state plus the provider's answer (the code, or the error) —
 * sealed like the relay state but typed apart from it (src/crypto/sealed.ts), short-lived, and
 * carried only in the confirmation page's POST form. It never goes to the provider, so no state
 * limit applies; it is good for one use (the callback's one-use guard, under its own purpose).
 */
export const PENDING_TYP = "oauth-relay-pending";
/** Seconds the user has to answer the confirmation page. */
export const PENDING_LIFETIME = 180;

/** The provider's answer at the callback, as the relay will act on it. */
export type ProviderAnswer = { readonly code: string } | { readonly error: string; readonly errorDescription: string };

export interface Pending {
  readonly state: RelayState;
  readonly answer: ProviderAnswer;
  readonly exp: number;
}

const plaintextSchema = z.onFirstUse(() =>
  z.strictObject({
    v: z.custom<1>((value) => value === 1), // format 1
    exp: z.wholeNumber(0, 2 ** 32),
    s: z.string(),
    code: z.optional(z.string()),
    error: z.optional(z.string()),
    error_description: z.optional(z.string()),
  }),
);

export function sealPending(
  state: RelayState,
  answer: ProviderAnswer,
  keys: StateKeyRing,
  now: number,
): Promise<string> {
  const body = {
    v: 1,
    exp: now + PENDING_LIFETIME,
    s: base64url.encode(encodeRelayState(state)),
    ...("code" in answer ? { code: answer.code } : { error: answer.error, error_description: answer.errorDescription }),
  };
  return seal(new TextEncoder().encode(JSON.stringify(body)), PENDING_TYP, keys);
}

/** Opens a pending object; null when it is not one of ours, malformed or expired. */
export async function openPending(token: string, keys: StateKeyRing, now: number): Promise<Pending | null> {
  const plaintext = await unseal(token, PENDING_TYP, keys);
  if (plaintext === null) return null;
  try {
    const body = plaintextSchema().parse(JSON.parse(new TextDecoder().decode(plaintext)));
    if (now > body.exp + CLOCK_TOLERANCE) return null;
    const state = decodeRelayState(base64url.decode(body.s));
    const answer: ProviderAnswer | null =
      body.code !== undefined
        ? { code: body.code }
        : body.error !== undefined
          ? { error: body.error, errorDescription: body.error_description ?? "" }
          : null;
    return answer === null ? null : { state, answer, exp: body.exp };
  } catch {
    return null;
  }
}
