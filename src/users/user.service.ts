import type { EntityManager } from '@mikro-orm/core';
import { transaction } from '../database/unit-of-work';
import { badInput } from '../errors';
import type { SessionService } from '../sessions/session.service';
import { normalizeEmail } from './email';
import type { Role } from './role';
import type { UserCache } from './user-cache';
import { User } from './user.entity';

export const MAX_PAGE = 100;

/** Administration of accounts: listing for admins, role changes for the CLI. */
export class UserService {
  constructor(
    private readonly sessions: SessionService,
    private readonly userCache: UserCache,
  ) {}

  /** Oldest first, stable across pages. Throws BAD_USER_INPUT for a bad page. */
  list(em: EntityManager, limit: number, offset: number): Promise<User[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw badInput(`limit must be between 1 and ${MAX_PAGE}.`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw badInput('offset must be 0 or more.');
    return em.find(User, {}, { orderBy: { createdAt: 'asc', id: 'asc' }, limit, offset });
  }

  /**
   * Sets the role and ends the user's sessions, so no access token keeps claiming the old role.
   * Returns null for an unknown address.
   */
  async setRole(em: EntityManager, rawEmail: string, role: Role): Promise<User | null> {
    const email = normalizeEmail(rawEmail);
    const user = await em.findOne(User, { email });
    if (!user) return null;
    await transaction(em, async (uow) => {
      await uow.em.nativeUpdate(User, { id: user.id }, { role, updatedAt: new Date() });
      this.userCache.invalidateOnCommit(uow, user.id);
      await this.sessions.revokeAll(uow, user.id);
    });
    return em.findOneOrFail(User, { id: user.id }, { refresh: true });
  }
}
