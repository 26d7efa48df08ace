import type { Connection, EntityManager } from '@mikro-orm/core';
import { isPostgres } from '../database/orm';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { badInput } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Logger } from '../logger';
import type { ClientInfo, SessionService } from '../sessions/session.service';
import { checkMetadata } from '../profile/profile-rules';
import { normalizeEmail } from '../users/email';
import { Role } from '../users/role';
import type { UserWriter } from '../users/user-writer';
import { User } from '../users/user.entity';
import { MAX_PAGE } from '../users/user.service';
import { webhookUser, type Webhooks } from '../webhooks/webhooks';
import { isUuid } from '../ids';

/** Who acts: an administrator (their id and client), or the operator's CLI (no user, no client). */
export interface Actor {
  userId: string | null;
  client: ClientInfo;
}

export const CLI_ACTOR: Actor = { userId: null, client: { ip: null, userAgent: 'authql cli' } };

export interface UserPage {
  items: User[];
  total: number;
}

const MAX_QUERY = 254;

// Locks every enabled admin row (PostgreSQL): two admins demoting each other queue here, and the second
// then counts the admins the first one left.
const LOCK_ADMINS = `select id from users where role = 'ADMIN' and disabled = false order by id for update`;
// One statement (SQLite runs it under its write lock): the change applies only if an enabled admin other
// than the target remains, or the target is no enabled admin to begin with.
const KEEPS_AN_ADMIN = `(role <> 'ADMIN' or disabled = ? or exists (select 1 from users o
  where o.role = 'ADMIN' and o.disabled = ? and o.id <> ?))`;

export interface AdminServiceDeps {
  readonly sessions: SessionService;
  readonly users: UserWriter;
  readonly events: SecurityEvents;
  readonly webhooks: Webhooks;
  readonly logger: Logger;
}

/**
 * Administration of accounts, shared by the GraphQL admin operations and the CLI. Every change is one
 * transaction with its security event (naming the admin) and ends what it must: sessions, cached views.
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  /** The user, or null for an unknown id. */
  async user(em: EntityManager, id: string): Promise<User | null> {
    return isUuid(id) ? em.findOne(User, { id }) : null;
  }

  /** Users whose email contains `query` (all without one), oldest first. Throws BAD_USER_INPUT. */
  async search(
    em: EntityManager,
    query: string | null,
    limit: number,
    offset: number,
  ): Promise<UserPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw badInput(`limit must be between 1 and ${MAX_PAGE}.`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw badInput('offset must be 0 or more.');
    const needle = (query ?? '').trim().toLowerCase();
    if (needle.length > MAX_QUERY) throw badInput(`query must be at most ${MAX_QUERY} characters.`);
    // Emails are stored lower-cased; LIKE's wildcards in the query are matched literally.
    const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const where = `where email like ? escape '\\'`;
    const connection: Connection = em.getConnection();
    const [counted, rows] = await Promise.all([
      connection.execute<Array<{ total: number | string }>>(
        `select count(*) as total from users ${where}`,
        [pattern],
        'all',
      ),
      connection.execute<Array<{ id: string }>>(
        `select id from users ${where} order by created_at asc, id asc limit ? offset ?`,
        [pattern, limit, offset],
        'all',
      ),
    ]);
    const ids = (rows as Array<{ id: string }>).map((r) => r.id);
    const items =
      ids.length === 0
        ? []
        : await em.find(User, { id: { $in: ids } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return { items, total: Number(counted[0]?.total ?? 0) };
  }

  /**
   * Sets the role and ends the user's sessions (no token keeps claiming the old role). Throws
   * BAD_USER_INPUT for an unknown user or a change that would leave no enabled administrator.
   */
  setRole(em: EntityManager, actor: Actor, id: string, role: Role): Promise<User> {
    return this.change(em, actor, id, { role }, async (uow, before) => {
      if (before.role === role) return;
      await this.endSessions(uow, before.id);
      await this.deps.events.record(uow, {
        type: SecurityEventType.ROLE_CHANGED,
        ...this.eventBase(actor, before.id),
        detail: { from: before.role, to: role },
      });
      await this.deps.webhooks.queue(uow, 'user.role_changed', {
        ...webhookUser({ ...before, role }),
        previousRole: before.role,
      });
    });
  }

  /** The CLI's `promote` / `demote`: by email; null for an unknown address. */
  async setRoleByEmail(em: EntityManager, rawEmail: string, role: Role): Promise<User | null> {
    const user = await em.findOne(User, { email: normalizeEmail(rawEmail) });
    return user ? this.setRole(em, CLI_ACTOR, user.id, role) : null;
  }

  /**
   * Disables the account and ends every session: sign-in, refresh and protected fields then answer
   * ACCOUNT_DISABLED. Throws BAD_USER_INPUT (unknown user, or the last enabled administrator).
   */
  disable(em: EntityManager, actor: Actor, id: string): Promise<User> {
    return this.change(em, actor, id, { disabled: true }, async (uow, before) => {
      // Ended even if already disabled: a session opened in a race with the first disable goes too.
      const ended = await this.endSessions(uow, before.id);
      if (before.disabled) return;
      await this.deps.events.record(uow, {
        type: SecurityEventType.DISABLED,
        ...this.eventBase(actor, before.id),
        detail: { sessionsEnded: ended },
      });
      await this.deps.webhooks.queue(
        uow,
        'user.disabled',
        webhookUser({ ...before, disabled: true }),
      );
    });
  }

  /** Lets the account sign in again. Throws BAD_USER_INPUT (unknown user). */
  enable(em: EntityManager, actor: Actor, id: string): Promise<User> {
    return this.change(em, actor, id, { disabled: false }, async (uow, before) => {
      if (!before.disabled) return;
      await this.deps.events.record(uow, {
        type: SecurityEventType.ENABLED,
        ...this.eventBase(actor, before.id),
      });
      await this.deps.webhooks.queue(
        uow,
        'user.enabled',
        webhookUser({ ...before, disabled: false }),
      );
    });
  }

  /**
   * Replaces the user's appMetadata (a JSON object of at most 4 KB), which their access tokens carry as
   * `app` from their next refresh or sign-in; ends nothing. Throws BAD_USER_INPUT (unknown user, not an
   * object, too large).
   */
  async setAppMetadata(
    em: EntityManager,
    actor: Actor,
    id: string,
    appMetadata: unknown,
  ): Promise<User> {
    const value = checkMetadata(appMetadata, 'appMetadata');
    if (!isUuid(id)) throw badInput('No such user.');
    await transaction(em, async (uow) => {
      if ((await this.deps.users.set(uow, id, { appMetadata: value })) !== 1)
        throw badInput('No such user.');
      await this.deps.events.record(uow, {
        type: SecurityEventType.APP_METADATA_CHANGED,
        ...this.eventBase(actor, id),
        detail: { keys: Object.keys(value).slice(0, 50) },
      });
    });
    this.deps.logger.info(
      { event: 'app_metadata_changed', actorId: actor.userId, userId: id },
      'app metadata changed by an administrator',
    );
    return em.findOneOrFail(User, { id }, { refresh: true });
  }

  /** Ends every session of the user. Throws BAD_USER_INPUT (unknown user). */
  async revokeSessions(em: EntityManager, actor: Actor, id: string): Promise<true> {
    const user = await this.user(em, id);
    if (!user) throw badInput('No such user.');
    await transaction(em, async (uow) => {
      const ended = await this.endSessions(uow, user.id);
      await this.deps.events.record(uow, {
        type: SecurityEventType.SESSION_REVOKED,
        ...this.eventBase(actor, user.id),
        detail: { all: true, sessionsEnded: ended },
      });
    });
    return true;
  }

  /**
   * Applies `set` under the last-admin guard, then `effects` (events, sessions) in the same
   * transaction; returns the user as stored afterwards.
   */
  private async change(
    em: EntityManager,
    actor: Actor,
    id: string,
    set: { role?: Role; disabled?: boolean },
    effects: (uow: UnitOfWork, before: User) => Promise<void>,
  ): Promise<User> {
    if (!isUuid(id)) throw badInput('No such user.');
    await transaction(em, async (uow) => {
      const before = await uow.em.findOne(User, { id }, { refresh: true });
      if (!before) throw badInput('No such user.');
      // The CLI is the operator's way back in (it can promote again), so only admins are held to it.
      const removesAnAdmin =
        actor.userId !== null && (set.role === Role.USER || set.disabled === true);
      const connection: Connection = uow.em.getConnection();
      const postgres = isPostgres(uow.em);
      if (removesAnAdmin && postgres) {
        await connection.execute(LOCK_ADMINS, [], 'all', uow.em.getTransactionContext());
      }
      const platform = uow.em.getPlatform();
      const columns: string[] = [];
      const values: unknown[] = [];
      if (set.role !== undefined) {
        columns.push('role = ?');
        values.push(set.role);
      }
      if (set.disabled !== undefined) {
        columns.push('disabled = ?');
        values.push(set.disabled);
      }
      columns.push('updated_at = ?');
      values.push(platform.processDateProperty(new Date()));
      const guard = removesAnAdmin ? ` and ${KEEPS_AN_ADMIN}` : '';
      const result = await connection.execute<{ affectedRows: number }>(
        `update users set ${columns.join(', ')} where id = ?${guard}`,
        [...values, id, ...(removesAnAdmin ? [true, false, id] : [])],
        'run',
        uow.em.getTransactionContext(),
      );
      if (result.affectedRows !== 1) {
        throw badInput('This would leave no enabled administrator: promote another one first.');
      }
      // A guarded raw UPDATE (the last-admin rule in one statement): the writer still owns the cache.
      this.deps.users.changed(uow, id);
      await effects(uow, before);
    });
    const after = await em.findOneOrFail(User, { id }, { refresh: true });
    this.deps.logger.info(
      { event: 'admin_change', actorId: actor.userId, userId: id, ...set },
      'account changed by an administrator',
    );
    return after;
  }

  private async endSessions(uow: UnitOfWork, userId: string): Promise<number> {
    return (await this.deps.sessions.revokeAll(uow, userId)).length;
  }

  private eventBase(actor: Actor, userId: string) {
    return {
      userId,
      actorId: actor.userId,
      ip: actor.client.ip,
      userAgent: actor.client.userAgent,
    };
  }
}
