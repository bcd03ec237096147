import type { GrantRecord, Recorder } from "../records.js";

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
