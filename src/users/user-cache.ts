import type { EntityManager } from '@mikro-orm/core';
import type { Role } from './role';
import { User } from './user.entity';

/** What `me` shows of a user: nothing secret, so it may be kept in memory. */
export interface UserSnapshot {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  readonly isActive: boolean;
  readonly createdAt: Date;
}

/**
 * Remembers the public view of a user for a short TTL (SESSION_CACHE_TTL), so `me` costs no database
 * round trip. Same trade-off as the session cache: a change made by *another* process shows here after at
 * most `ttlMs`; whatever changes a user in this process must call `invalidate(id)`. Bounded: the oldest
 * entries are evicted first.
 */
export class UserCache {
  private readonly entries = new Map<string, { user: UserSnapshot; until: number }>();
  private readonly inFlight = new Map<string, Promise<UserSnapshot | null>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The user's snapshot, or null if there is no such user (never cached: that is the rare path). */
  async get(em: EntityManager, id: string): Promise<UserSnapshot | null> {
    const hit = this.entries.get(id);
    if (hit && hit.until > Date.now()) return hit.user;
    // One database read per user however many requests arrive at once.
    let pending = this.inFlight.get(id);
    if (!pending) {
      const load: Promise<UserSnapshot | null> = em
        .findOne(User, { id })
        .then((user) => {
          const snapshot = user && snapshotOf(user);
          // Not stored if invalidated while the read was in flight: the row read may predate the change.
          if (snapshot && this.inFlight.get(id) === load) this.set(id, snapshot);
          return snapshot;
        })
        .finally(() => {
          if (this.inFlight.get(id) === load) this.inFlight.delete(id);
        });
      pending = load;
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /** Call after changing or deleting a user: the next `get` reads the database again. */
  invalidate(id: string): void {
    this.entries.delete(id);
    this.inFlight.delete(id);
  }

  private set(id: string, user: UserSnapshot): void {
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { user, until: Date.now() + this.ttlMs });
  }
}

function snapshotOf(user: User): UserSnapshot {
  return Object.freeze({
    id: user.id,
    email: user.email,
    role: user.role,
    isActive: user.isActive,
    createdAt: user.createdAt,
  });
}
