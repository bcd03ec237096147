/**
 * Records — the only thing the relay keeps. After a successful code exchange or refresh, and only
 * then: `{server, grant}` where `server` is the configured server id (never a request value) and
 * `grant` the grant kind. Nothing else: no IP, user agent, tenant, scope, code, token, URL or state.
 * Each runtime writes them its own way (src/node/line-recorder.ts, src/workers/analytics-recorder.ts);
 * flow code calls `record` and nothing else writes request-related output.
 */
export type GrantKind = "authorization_code" | "refresh_token";

export interface GrantRecord {
  readonly server: string;
  readonly grant: GrantKind;
}

export interface Recorder {
  record(entry: GrantRecord): void;
}
