/**
 * Reference data read from the database and kept for `ttlMs` (departments, categories, SLA
 * policies, the calendar, a user's standing). Callers that arrive while a read is in flight
 * share it, so a busy server reads once per period instead of once per request in flight when
 * the value expires. A failed read is not kept. `clear()` forgets the value and any read in
 * flight (this process changed it); other processes see a change within `ttlMs`.
 */
export class CachedMap<K, V> {
  private readonly values = new Map<K, { value: V; at: number }>();
  private readonly loading = new Map<K, Promise<V>>();
  private generation = 0;

  constructor(
    private readonly load: (key: K) => Promise<V>,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K): Promise<V> {
    const hit = this.values.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return Promise.resolve(hit.value);
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const read = this.load(key)
      .then((value) => {
        if (generation === this.generation) {
          if (this.values.size >= this.maxEntries) this.values.clear();
          this.values.set(key, { value, at: Date.now() });
        }
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === read) this.loading.delete(key);
      });
    this.loading.set(key, read);
    return read;
  }

  /** Forgets `key` (or everything): the next `get` reads again, and a read in flight is not kept. */
  clear(key?: K): void {
    this.generation++;
    if (key === undefined) {
      this.values.clear();
      this.loading.clear();
    } else {
      this.values.delete(key);
      this.loading.delete(key);
    }
  }
}

/** One cached value (see CachedMap). */
export class Cached<V> {
  private readonly map: CachedMap<0, V>;

  constructor(load: () => Promise<V>, ttlMs: number) {
    this.map = new CachedMap(() => load(), ttlMs, 1);
  }

  get(): Promise<V> {
    return this.map.get(0);
  }

  clear(): void {
    this.map.clear();
  }
}
