import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { errorFields } from '../error-fields';
import type { Logger } from '../logger';

/** Something that must happen once a write is durable: drop a cache entry, wake the mail sender. */
export type AfterCommit = () => void;

/** Where a failed after-commit effect is reported: per ORM (per app instance), never a module global. */
const reporters = new WeakMap<object, Logger>();

/** Reports after-commit failures of transactions on this ORM to `logger` (createServices does it). */
export function reportEffectFailures(orm: MikroORM, logger: Logger): void {
  reporters.set(orm.config, logger);
}

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

  /**
   * @internal Runs every effect once, even if one throws. Never throws: the change is committed, so
   * its caller must hear that it succeeded. A failure is logged; mail and webhooks are retried anyway
   * (the outbox sender polls), a missed cache invalidation ends with the cache's TTL.
   */
  runEffects(report: (err: unknown) => void): void {
    for (const effect of this.effects.splice(0)) {
      try {
        effect();
      } catch (err) {
        report(err);
      }
    }
  }
}

/** Thrown when transaction() is handed an EntityManager that is already inside a transaction. */
export class NestedTransactionError extends Error {
  constructor() {
    super(
      'transaction() called inside a transaction: pass the outer UnitOfWork down instead, so the ' +
        'writes and their after-commit effects belong to one unit',
    );
    this.name = 'NestedTransactionError';
  }
}

/**
 * Runs `work` in one transaction and, after it commits, the effects it registered. Pass a UnitOfWork
 * (not an EntityManager) to anything that writes on the caller's behalf, so its effects join this unit.
 * Throws NestedTransactionError (a programming error) when `em` is already in a transaction: its
 * effects would run when the inner savepoint is released, before the outer transaction commits.
 */
export async function transaction<T>(
  em: EntityManager,
  work: (uow: UnitOfWork) => Promise<T>,
): Promise<T> {
  if (em.isInTransaction()) throw new NestedTransactionError();
  let uow: UnitOfWork | null = null;
  const result = await em.transactional((tx) => {
    // A retried callback starts a new unit: effects of the rolled-back attempt are dropped with it.
    uow = new UnitOfWork(tx);
    return work(uow);
  });
  (uow as UnitOfWork | null)?.runEffects((err) => {
    const logger = reporters.get(em.config);
    const fields = { ...errorFields(err), operation: 'after-commit effect' };
    if (logger) logger.error(fields, 'after-commit effect failed');
    else console.error('authql: after-commit effect failed', JSON.stringify(fields));
  });
  return result;
}
