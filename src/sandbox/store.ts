/**
 * The sandbox's memory: a Map with a per-entry expiry and a hard size bound. Expired entries are
 * dropped on access and swept when the map is full; if it is still full, the oldest entry goes
 * (Map keeps insertion order). Local-only by design: nothing survives a restart.
 */
export class ExpiringStore<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly exp: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.sweep();
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, exp: this.now() + ttlMs });
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.exp <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Returns and removes the entry: the one-time read codes and consent requests need. */
  take(key: string): V | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.exp <= now) this.entries.delete(key);
  }
}
