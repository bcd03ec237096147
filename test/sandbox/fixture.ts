/** The relay with its sandbox server in process (test/harness/relay.ts), with an adjustable clock. */
import type { Hono } from "hono";
import type { RelayEnv } from "../../src/flow/context.js";
import type { GrantRecord } from "../../src/records.js";
import { inProcessRelay, newStateKeys } from "../harness/relay.js";

export const RELAY = "http://127.0.0.1:8787";
export const CLIENT_ID = "sandbox-client";
export const SECRET = "s3cret with spaces & symbols:+/";
export const REDIRECT_URI = `${RELAY}/v1/callback/sandbox`;

export interface Fixture {
  readonly app: Hono<RelayEnv>;
  readonly records: GrantRecord[];
  /** Milliseconds; move it forward to expire things. */
  clock: number;
  /** fetch-compatible, answered in process by the app. */
  readonly fetch: typeof fetch;
}

export async function sandboxFixture(extraEnv: Record<string, string> = {}): Promise<Fixture> {
  const state = { clock: Date.now() };
  const relay = await inProcessRelay(
    {
      RELAY_URL: RELAY,
      STATE_KEYS: newStateKeys("t1"),
      SANDBOX: "1",
      APPS: JSON.stringify([{ id: "sandbox", server: "sandbox", client_id: CLIENT_ID }]),
      CLIENT_SECRET_SANDBOX: SECRET,
      RATE_LIMIT: "off",
      ...extraEnv,
    },
    { now: () => Math.floor(state.clock / 1000), sandbox: { now: () => state.clock } },
  );
  return {
    app: relay.app,
    get records() {
      return relay.records.map((line) => JSON.parse(line) as GrantRecord);
    },
    get clock() {
      return state.clock;
    },
    set clock(value: number) {
      state.clock = value;
    },
    fetch: relay.fetch,
  };
}

export function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString("base64")}`;
}

export { s256 } from "../fakes/http.js";

export const VERIFIER = `${"v".repeat(43)}-._~0123456789`;
