import type { ResponseMode } from "../config.js";
import type { Vars } from "../servers/profile.js";
import { type InstanceKey, type InstanceKeyType, KEY_LENGTH } from "./instance-key.js";
import { seal, unseal } from "./sealed.js";
import type { StateKeyRing } from "./state-keys.js";

/**
 * The relay state: everything the callback needs, sealed (src/crypto/sealed.ts) and carried through
 * the browser and the provider as `state`.
 *
 * The plaintext is a compact binary record rather than JSON claims because Dropbox caps `state`
 * at 500 bytes: with JSON, an X25519 key and a 128-character return_to the JWE ran to ~500 bytes;
 * this layout leaves ~50 bytes of room (see test/security/state-size.test.ts).
 *
 *   u8 version | u32 iat | u16 ttl | u8 response mode | u8 key type | key (32 or 64) | verifier (32)
 *   | u8 len app | u16 len vars | u8 len instance state | u16 len return_to   (strings UTF-8)
 *
 * `vars` are the template variables the instance chose, form-encoded (`tenant=contoso.com`), empty
 * for most flows. Version 1 carried a u8-length tenant in their place and is still read, so flows
 * started before an upgrade complete after it.
 */
export const STATE_TYP = "oauth-relay-state";
const VERSION = 2;
const VERSION_TENANT_ONLY = 1;
const MODES: readonly ResponseMode[] = ["form_post", "query", "fragment"];
/** Key types by their byte in the record; new types only ever append. */
const KEY_TYPES: readonly InstanceKeyType[] = ["X25519", "P-256", "oct"];
/** Allowed clock skew between edge locations / replicas, seconds. */
export const CLOCK_TOLERANCE = 30;

export interface RelayState {
  readonly app: string;
  /** Template variables the instance set for this flow (the app's own are in configuration). */
  readonly vars: Vars;
  readonly returnTo: string;
  readonly instanceState: string;
  readonly instanceKey: InstanceKey;
  readonly responseMode: ResponseMode;
  readonly verifier: Uint8Array;
  /** Unix seconds. */
  readonly iat: number;
  readonly exp: number;
}

class Writer {
  private readonly bytes: number[] = [];
  u8(value: number): void {
    this.bytes.push(value & 0xff);
  }
  u16(value: number): void {
    this.u8(value >>> 8);
    this.u8(value);
  }
  u8Text(text: string): void {
    const bytes = encoder.encode(text);
    this.u8(bytes.length);
    this.raw(bytes);
  }
  u16Text(text: string): void {
    const bytes = encoder.encode(text);
    this.u16(bytes.length);
    this.raw(bytes);
  }
  u32(value: number): void {
    this.u16(value >>> 16);
    this.u16(value);
  }
  raw(data: Uint8Array): void {
    for (const byte of data) this.bytes.push(byte);
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

class Reader {
  private offset = 0;
  constructor(private readonly data: Uint8Array) {}
  u8(): number {
    const value = this.data[this.offset];
    if (value === undefined) throw new RangeError("short");
    this.offset += 1;
    return value;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u32(): number {
    return this.u16() * 0x10000 + this.u16();
  }
  raw(length: number): Uint8Array {
    if (this.offset + length > this.data.length) throw new RangeError("short");
    const slice = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
  atEnd(): boolean {
    return this.offset === this.data.length;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The relay state's binary record (also carried inside a pending object, src/crypto/pending.ts). */
export function encodeRelayState(state: RelayState): Uint8Array {
  const w = new Writer();
  w.u8(VERSION);
  w.u32(state.iat);
  w.u16(state.exp - state.iat);
  w.u8(MODES.indexOf(state.responseMode));
  w.u8(KEY_TYPES.indexOf(state.instanceKey.type));
  w.raw(state.instanceKey.raw);
  w.raw(state.verifier);
  w.u8Text(state.app);
  w.u16Text(new URLSearchParams(Object.entries(state.vars)).toString());
  w.u8Text(state.instanceState);
  w.u16Text(state.returnTo);
  return w.toBytes();
}

export function decodeRelayState(data: Uint8Array): RelayState {
  const r = new Reader(data);
  const version = r.u8();
  if (version !== VERSION && version !== VERSION_TENANT_ONLY) throw new RangeError("version");
  const iat = r.u32();
  const exp = iat + r.u16();
  const responseMode = MODES[r.u8()];
  const keyType = KEY_TYPES[r.u8()];
  if (responseMode === undefined || keyType === undefined) throw new RangeError("enum");
  const raw = r.raw(KEY_LENGTH[keyType]).slice();
  const verifier = r.raw(32).slice();
  const app = decoder.decode(r.raw(r.u8()));
  const varsText = decoder.decode(r.raw(version === VERSION ? r.u16() : r.u8()));
  const vars =
    version === VERSION
      ? Object.fromEntries(new URLSearchParams(varsText))
      : varsText === ""
        ? {}
        : { tenant: varsText };
  const instanceState = decoder.decode(r.raw(r.u8()));
  const returnTo = decoder.decode(r.raw(r.u16()));
  if (!r.atEnd()) throw new RangeError("trailing");
  return {
    app,
    vars,
    returnTo,
    instanceState,
    instanceKey: { type: keyType, raw },
    responseMode,
    verifier,
    iat,
    exp,
  };
}

export function sealRelayState(state: RelayState, keys: StateKeyRing): Promise<string> {
  return seal(encodeRelayState(state), STATE_TYP, keys);
}

/** Why a relay state was refused; never shown to the browser (the invalid-state page is uniform). */
export type StateFailure = "malformed" | "undecryptable" | "expired" | "not_yet_valid";

/** Opens a relay state, then checks its lifetime (with a small clock tolerance). */
export async function openRelayState(
  token: string,
  keys: StateKeyRing,
  now: number,
): Promise<RelayState | StateFailure> {
  const plaintext = await unseal(token, STATE_TYP, keys);
  if (plaintext === null) return "undecryptable";
  let state: RelayState;
  try {
    state = decodeRelayState(plaintext);
  } catch {
    return "malformed";
  }
  if (now > state.exp + CLOCK_TOLERANCE) return "expired";
  if (state.iat > now + CLOCK_TOLERANCE) return "not_yet_valid";
  return state;
}
