import { BoundedMap } from '../bounded-map';

/**
 * Remembers for a short TTL whether a session is live, so a protected request does not cost a database
 * round trip. Trade-off: a session ended by *another* process is still honoured here for up to `ttlMs`;
 * sessions ended in this process are dropped at once. Bounded: the oldest entries are evicted first.
 */
export class SessionCache {
  private readonly entries: BoundedMap<string, { live: boolean; until: number }>;
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** Lookups answered from memory / from the database (metrics read them at scrape time). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    maxEntries = 50_000,
  ) {
    this.entries = new BoundedMap(maxEntries);
  }

  async isLive(sessionId: string, load: () => Promise<boolean>): Promise<boolean> {
    const now = Date.now();
    const hit = this.entries.get(sessionId);
    if (hit && hit.until > now) {
      this.hits++;
      return hit.live;
    }
    this.misses++;
    // One database read per session however many requests arrive at once.
    let pending = this.inFlight.get(sessionId);
    if (!pending) {
      pending = load()
        .then((live) => {
          this.set(sessionId, live);
          return live;
        })
        .finally(() => this.inFlight.delete(sessionId));
      this.inFlight.set(sessionId, pending);
    }
    return pending;
  }

  markEnded(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.set(id, false, Number.POSITIVE_INFINITY);
  }

  private set(sessionId: string, live: boolean, ttlMs = this.ttlMs): void {
    this.entries.set(sessionId, { live, until: Date.now() + ttlMs });
  }
}
