import type { Recorder } from "../records.js";

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
