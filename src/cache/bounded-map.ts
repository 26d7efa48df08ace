/**
 * A Map that forgets its oldest entry once it holds `max`: every per-process cache (sessions, users,
 * verified tokens) must stay bounded however many distinct keys clients send.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Stores the entry as the newest, evicting the oldest when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Deletes every entry whose value is `stale`. */
  deleteWhere(stale: (value: V) => boolean): void {
    for (const [key, value] of this.map) if (stale(value)) this.map.delete(key);
  }
}
