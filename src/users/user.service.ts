import type { EntityManager } from '@mikro-orm/core';
import { badInput } from '../errors';
import { User } from './user.entity';

export const MAX_PAGE = 100;

/** Listing accounts for admins (changes: src/admin/admin.service.ts). */
export class UserService {
  /** Oldest first, stable across pages. Throws BAD_USER_INPUT for a bad page. */
  list(em: EntityManager, limit: number, offset: number): Promise<User[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw badInput(`limit must be between 1 and ${MAX_PAGE}.`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw badInput('offset must be 0 or more.');
    return em.find(User, {}, { orderBy: { createdAt: 'asc', id: 'asc' }, limit, offset });
  }
}
