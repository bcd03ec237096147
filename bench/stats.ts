/** Small statistics helpers shared by the benchmark parts. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Latency {
  /** Milliseconds. */
  readonly median: number;
  readonly p99: number;
  readonly samples: number;
}

export function summarize(samplesMs: readonly number[]): Latency {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length };
}

/**
 * Times `op` one call at a time: `warmup` untimed calls, then `samples` timed ones.
 * `op(i)` gets the call index so callers can hand each call its own input.
 */
export async function timeOps(op: (i: number) => Promise<unknown>, warmup: number, samples: number): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await op(i);
  const times = new Array<number>(samples);
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await op(warmup + i);
    times[i] = performance.now() - start;
  }
  return summarize(times);
}
