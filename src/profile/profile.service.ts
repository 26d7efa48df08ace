import type { EntityData, EntityManager } from '@mikro-orm/core';
import { transaction } from '../database/unit-of-work';
import type { UserWriter } from '../users/user-writer';
import { User } from '../users/user.entity';
import { checkLocale, checkMetadata, checkName, type LocaleConfig } from './profile-rules';

/** What `updateProfile` may change; an absent field stays as it is. */
export interface ProfileChanges {
  /** null or '' clears the name. */
  name?: unknown;
  locale?: unknown;
  /** Replaces the whole object (send {} to clear it). */
  metadata?: unknown;
}

export interface ProfileServiceDeps {
  /** SUPPORTED_LOCALES and DEFAULT_LOCALE. */
  readonly locales: LocaleConfig;
  readonly users: UserWriter;
}

/** The user's own profile: name, locale and metadata. Writes go through the user writer (cache). */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  /**
   * Applies the changes given, all or none, and returns the user as stored. Throws BAD_USER_INPUT (a
   * name over 100 characters, an unsupported locale, metadata that is no object or over 4 KB).
   */
  async update(em: EntityManager, userId: string, changes: ProfileChanges): Promise<User> {
    const fields: EntityData<User> = {};
    if (changes.name !== undefined) fields.name = checkName(changes.name);
    if (changes.locale !== undefined)
      fields.locale = checkLocale(changes.locale, this.deps.locales);
    if (changes.metadata !== undefined)
      fields.metadata = checkMetadata(changes.metadata, 'metadata');
    if (Object.keys(fields).length > 0)
      await transaction(em, (uow) => this.deps.users.set(uow, userId, fields));
    return em.findOneOrFail(User, { id: userId }, { refresh: true });
  }
}
