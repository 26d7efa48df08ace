import type { MaybePromise } from '../maybe-promise';
import { BoundedMap } from './bounded-map';

// Sweeps run every two TTLs, within these bounds (a timer cannot wait beyond ~24.8 days).
const MIN_SWEEP_EVERY_MS = 1_000;
const MAX_SWEEP_EVERY_MS = 60_000;

/** Told when a key was invalidated here, e.g. to broadcast it to sibling worker processes. */
export type InvalidationListener<K> = (key: K) => void;

/**
 * A bounded per-process cache with a TTL, behind the session and the user caches. Loads of one key are
 * coalesced (one database read however many requests arrive at once), and a load that was in flight
 * when its key was invalidated or pinned never stores its result: the row it read may predate the change.
 */
export class TtlCache<K, V> {
  private readonly entries: BoundedMap<K, { value: V; until: number }>;
  private readonly inFlight = new Map<K, Promise<V>>();
  private readonly listeners: InvalidationListener<K>[] = [];
  /** Bumped by every invalidation: a value read elsewhere before it must not be stored by prime(). */
  private epoch = 0;
  /** Lookups answered from memory / by a load (plain numbers: metrics read them at scrape time). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    maxEntries: number,
  ) {
    this.entries = new BoundedMap(maxEntries);
    // An expired entry is otherwise only replaced or evicted, so a process that served a burst of
    // sessions would hold them all while idle. The timer holds the cache weakly: it never keeps a
    // cache alive, and stops once the cache is gone.
    const cache = new WeakRef(this);
    const timer = setInterval(
      () => {
        const alive = cache.deref();
        if (alive) alive.sweep();
        else clearInterval(timer);
      },
      Math.min(MAX_SWEEP_EVERY_MS, Math.max(MIN_SWEEP_EVERY_MS, 2 * ttlMs)),
    );
    timer.unref();
  }

  /** Entries held (expired ones until the next sweep). */
  get size(): number {
    return this.entries.size;
  }

  /** Drops the expired entries (pinned ones never expire). */
  sweep(now = Date.now()): void {
    this.entries.deleteWhere((entry) => entry.until <= now);
  }

  /**
   * The cached value, or `load()`'s; `keep` says whether a loaded value may be cached (default yes). A
   * value fresh in memory comes back as it is, not in a promise (the per-request path).
   */
  get(key: K, load: () => Promise<V>, keep: (value: V) => boolean = () => true): MaybePromise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) {
      this.hits++;
      return hit.value;
    }
    this.misses++;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const loading: Promise<V> = load()
      .then((value) => {
        // Still ours only if nothing invalidated the key while the read was in flight.
        if (this.inFlight.get(key) === loading && keep(value)) this.store(key, value, this.ttlMs);
        return value;
      })
      .finally(() => {
        if (this.inFlight.get(key) === loading) this.inFlight.delete(key);
      });
    this.inFlight.set(key, loading);
    return loading;
  }

  /** Drops the key (and any load in flight for it): the next get() reads again. */
  invalidate(key: K, origin: 'local' | 'remote' = 'local'): void {
    this.forget(key);
    if (origin === 'local') for (const listener of this.listeners) listener(key);
  }

  /** Stores a final value that no load in flight may replace (an ended session stays ended). */
  pin(key: K, value: V, origin: 'local' | 'remote' = 'local'): void {
    this.forget(key);
    this.store(key, value, Number.POSITIVE_INFINITY);
    if (origin === 'local') for (const listener of this.listeners) listener(key);
  }

  /** Take before reading a value outside get(), hand to prime() after. */
  mark(): number {
    return this.epoch;
  }

  /** Stores a value read elsewhere, unless any key was invalidated since `mark` was taken. */
  prime(key: K, value: V, mark: number): void {
    if (mark === this.epoch) this.store(key, value, this.ttlMs);
  }

  /** Hook for a later broadcast to sibling processes: called on every local invalidation or pin. */
  onInvalidate(listener: InvalidationListener<K>): void {
    this.listeners.push(listener);
  }

  private forget(key: K): void {
    this.entries.delete(key);
    this.inFlight.delete(key);
    this.epoch++;
  }

  private store(key: K, value: V, ttlMs: number): void {
    this.entries.set(key, { value, until: Date.now() + ttlMs });
  }
}
