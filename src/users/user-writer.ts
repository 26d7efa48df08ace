import type { EntityData, FilterQuery } from '@mikro-orm/core';
import { isPostgres } from '../database/dialect';
import type { UnitOfWork } from '../database/unit-of-work';
import type { UserCache } from './user-cache';
import { User } from './user.entity';

/**
 * The one way a user row is written: each write registers the cache invalidation in its unit of work,
 * so no caller remembers it (and none can forget it). Writes are native (one UPDATE, no change-set
 * computation); `updatedAt` is set with them.
 */
export class UserWriter {
  constructor(private readonly cache: UserCache) {}

  /**
   * Updates the user `id` (with extra conditions in `where`, e.g. `{ isActive: false }`) and answers how
   * many rows changed: 0 when a condition failed, so a conditional update doubles as a race guard.
   */
  async set(
    uow: UnitOfWork,
    id: string,
    fields: EntityData<User>,
    where: FilterQuery<User> & object = {},
  ): Promise<number> {
    const changed = await uow.em.nativeUpdate(
      User,
      { ...where, id },
      { ...fields, updatedAt: new Date() },
    );
    if (changed > 0) this.cache.invalidateOnCommit(uow, id);
    return changed;
  }

  /**
   * Locks the user's row until the transaction ends, so checks made after it (the last way in, the last
   * owner) cannot interleave with another transaction's. PostgreSQL: SELECT … FOR UPDATE; SQLite has one
   * writer at a time, so a transaction that has written holds the lock already.
   */
  async lock(uow: UnitOfWork, id: string): Promise<void> {
    // Native statements: loading a partial User into the unit's identity map would have its flush at
    // commit write the entity's defaults over the columns it did not load.
    if (isPostgres(uow.em))
      await uow.em
        .getConnection()
        .execute(
          'select 1 from "users" where "id" = ? for update',
          [id],
          'all',
          uow.em.getTransactionContext(),
        );
    else await uow.em.nativeUpdate(User, { id }, { id });
  }

  /** Deletes the user row (what it holds is removed first: AccountLifecycle.deleteUser). */
  async delete(uow: UnitOfWork, id: string): Promise<void> {
    await uow.em.nativeDelete(User, { id });
    this.cache.invalidateOnCommit(uow, id);
  }

  /** A row written by other means (a flush of a new or loaded entity) must be read again after commit. */
  changed(uow: UnitOfWork, id: string): void {
    this.cache.invalidateOnCommit(uow, id);
  }
}
