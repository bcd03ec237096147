/**
 * Records — the only thing the relay keeps, and the one place anything is written.
 * After a successful code exchange or refresh, and only then: `{server, grant}` where `server` is
 * the configured server id (never a request value) and `grant` the grant kind. Nothing else: no IP,
 * user agent, tenant, scope, code, token, URL or state.
 */
export type GrantKind = "authorization_code" | "refresh_token";

export interface GrantRecord {
  readonly server: string;
  readonly grant: GrantKind;
}

export interface Recorder {
  record(entry: GrantRecord): void;
}

/** Cloudflare Workers Analytics Engine binding (only the method we use). */
export interface AnalyticsEngineBinding {
  writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void;
}

/** Workers: one Analytics Engine data point per grant when a RECORDS binding exists, else nothing. */
export function analyticsRecorder(binding: AnalyticsEngineBinding | undefined): Recorder {
  return {
    record: ({ server, grant }) => binding?.writeDataPoint({ indexes: [server], blobs: [server, grant], doubles: [1] }),
  };
}

/** Node: one JSON line per grant through `writeLine` (stdout), plus counters for `GET /metrics`. */
export class LineRecorder implements Recorder {
  private readonly counts = new Map<string, number>();

  constructor(private readonly writeLine: (line: string) => void) {}

  record(entry: GrantRecord): void {
    const line = JSON.stringify({ server: entry.server, grant: entry.grant });
    this.counts.set(line, (this.counts.get(line) ?? 0) + 1);
    this.writeLine(line);
  }

  /** Prometheus text exposition format. */
  metrics(): string {
    const lines = [
      "# HELP oauth_relay_grants_total Successful token grants, by OAuth2 server id and grant kind.",
      "# TYPE oauth_relay_grants_total counter",
    ];
    for (const [key, count] of this.counts) {
      const { server, grant } = JSON.parse(key) as GrantRecord;
      lines.push(`oauth_relay_grants_total{server="${server}",grant="${grant}"} ${count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
