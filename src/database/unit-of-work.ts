import type { EntityManager } from '@mikro-orm/core';

/** Something that must happen once a write is durable: drop a cache entry, wake the mail sender. */
export type AfterCommit = () => void;

/**
 * One database transaction and the effects its writes registered. A write that must be followed by
 * something (a cache invalidated, the outbox sender woken, a broadcast to sibling workers) registers it
 * with `afterCommit` instead of doing it itself: effects run once the transaction has committed and are
 * dropped if it rolls back, so no caller has to remember them and none can run them too early.
 */
export class UnitOfWork {
  private readonly effects: AfterCommit[] = [];

  constructor(
    /** The transaction's EntityManager: every read and write of this unit goes through it. */
    readonly em: EntityManager,
  ) {}

  afterCommit(effect: AfterCommit): void {
    this.effects.push(effect);
  }

  /** @internal Runs every effect once, even if one throws; the first error is rethrown after. */
  runEffects(): void {
    let failure: unknown = null;
    for (const effect of this.effects.splice(0)) {
      try {
        effect();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure) throw failure;
  }
}

/**
 * Runs `work` in one transaction and, after it commits, the effects it registered. Pass a UnitOfWork
 * (not an EntityManager) to anything that writes on the caller's behalf, so its effects join this unit.
 */
export async function transaction<T>(
  em: EntityManager,
  work: (uow: UnitOfWork) => Promise<T>,
): Promise<T> {
  let uow: UnitOfWork | null = null;
  const result = await em.transactional((tx) => {
    // A retried callback starts a new unit: effects of the rolled-back attempt are dropped with it.
    uow = new UnitOfWork(tx);
    return work(uow);
  });
  (uow as UnitOfWork | null)?.runEffects();
  return result;
}
