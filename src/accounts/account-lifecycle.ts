import type { EntityManager } from '@mikro-orm/core';
import type { UnitOfWork } from '../database/unit-of-work';
import type { ClientInfo } from '../sessions/session.types';
import { AppError, ErrorCode, unauthenticated } from '../errors';
import { Session } from '../sessions/session.entity';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Mailer } from '../mail/mailer';
import type { RemovedItem } from '../mail/templates';
import { webhookUser, type Webhooks } from '../webhooks/webhooks';
import { User } from '../users/user.entity';
import type { EmailProof } from '../users/user.entity';
import type { UserWriter } from '../users/user-writer';

/**
 * Removes one kind of thing an account holds (its sessions, passkeys, TOTP…) inside the caller's unit of
 * work, and says what went, for the owner's notice ("2 passkeys"); null or '' when there was none.
 */
export type Remover = (uow: UnitOfWork, userId: string) => Promise<string | null>;

/** A reclaim's remover: also told the account's address (what a provider link must have proven). */
export type Reclaimer = (
  uow: UnitOfWork,
  user: { id: string; email: string },
) => Promise<string | null>;

/** Who adds a way in: the signed-in user and their session. */
export interface Adder {
  userId: string;
  sessionId: string;
}

/** How many ways in of one kind the user has (0: none). */
export type WayInCounter = (em: EntityManager, userId: string) => Promise<number>;

/** What `proveAddress` did: the proof now stored, and what a reclaim removed (empty: nothing). */
export interface Proven {
  proof: EmailProof;
  reclaimed: boolean;
  removed: string[];
}

export interface AccountLifecycleDeps {
  readonly users: UserWriter;
  readonly mailer: Mailer;
  readonly events: SecurityEvents;
  readonly webhooks: Webhooks;
  /** DEFAULT_LOCALE: the language of an account made without one (a social sign-up). */
  readonly defaultLocale: string;
}

/**
 * The one home of what must happen when an address is proven and when an account is deleted. Features
 * register what they hold (`onReclaim`, `onUserDeleted`) when the app is wired, so this module imports
 * none of them and no flow can forget one.
 *
 * The reclaim rule: when the mailbox's owner proves an address the account had not proven by mail
 * before (it was unproven, or a provider had only claimed it), or a verified provider proves an
 * unproven one, whatever an unproven holder may have added goes: sessions, passkeys, TOTP, recovery
 * codes, MFA tickets, unverified provider links; the owner is mailed the list and an event is written.
 */
export class AccountLifecycle {
  private readonly reclaimers: Array<{ name: string; remove: Reclaimer }> = [];
  private readonly deleters: Array<{ name: string; remove: Remover }> = [];
  private readonly waysIn: Array<{ name: string; count: WayInCounter }> = [];

  constructor(private readonly deps: AccountLifecycleDeps) {}

  /**
   * Makes an account (sign-up, or a first social sign-in), with its `signed_up` event and `user.created`
   * webhook in the caller's unit of work. A unique violation of the address propagates: the caller
   * answers as for a known address.
   */
  async create(
    uow: UnitOfWork,
    fields: Pick<User, 'email' | 'passwordHash' | 'isActive' | 'emailProof'> &
      Partial<Pick<User, 'name' | 'locale'>>,
    client: ClientInfo,
    method: string | null = null,
  ): Promise<User> {
    const user = uow.em.create(User, { locale: this.deps.defaultLocale, ...fields });
    await uow.em.flush();
    this.deps.users.changed(uow, user.id);
    await this.deps.events.record(uow, {
      type: SecurityEventType.SIGNED_UP,
      userId: user.id,
      ...client,
      method,
    });
    await this.deps.webhooks.queue(uow, 'user.created', webhookUser(user));
    return user;
  }

  /**
   * An account waiting for its owner was just activated (`user` as stored now) by a proof of its
   * address (activation link or code, reset, a verified provider): the `activated` event, the
   * `user.activated` webhook, and the proof with its reclaim rule, for every way it happens.
   */
  async activated(
    uow: UnitOfWork,
    user: Parameters<typeof webhookUser>[0] & Pick<User, 'emailProof'>,
    via: EmailProof,
    client: ClientInfo,
    method: string | null = null,
  ): Promise<void> {
    await this.deps.events.record(uow, {
      type: SecurityEventType.ACTIVATED,
      userId: user.id,
      ...client,
      method,
    });
    await this.deps.webhooks.queue(uow, 'user.activated', webhookUser(user));
    await this.proveAddress(uow, user, via, client);
  }

  /** Registers what a reclaim removes (in registration order). */
  onReclaim(name: string, remove: Reclaimer): void {
    this.reclaimers.push({ name, remove });
  }

  /** Registers what an account's deletion removes, before the user row goes. */
  onUserDeleted(name: string, remove: Remover): void {
    this.deleters.push({ name, remove });
  }

  /** Registers a way to sign in (password, passkeys, provider links): counted by `assertWayInLeft`. */
  onWayIn(name: string, count: WayInCounter): void {
    this.waysIn.push({ name, count });
  }

  /**
   * Call inside the transaction, after removing a way in (a passkey, a provider link): refuses with
   * FORBIDDEN, rolling the removal back, when none is left. The user row is locked first, so two
   * removals at once cannot each see the other's way in as still there.
   */
  async assertWayInLeft(uow: UnitOfWork, userId: string): Promise<void> {
    await this.deps.users.lock(uow, userId);
    for (const { count } of this.waysIn) if ((await count(uow.em, userId)) > 0) return;
    throw new AppError(
      ErrorCode.FORBIDDEN,
      'This is the only way to sign in to this account: set a password (request a reset), add a passkey or link another provider first.',
    );
  }

  /**
   * Call first in the transaction that adds a way in (a passkey, an authenticator, a provider link):
   * the adder's session must still be live in the database, not only in a cache (another process may
   * honour an ended session for SESSION_CACHE_TTL), checked under the user's lock, so a reclaim that
   * ends the session cannot commit between the check and the insert. Throws UNAUTHENTICATED.
   */
  async assertAdderLive(uow: UnitOfWork, adder: Adder): Promise<void> {
    await this.deps.users.lock(uow, adder.userId);
    const live = await uow.em.count(Session, {
      id: adder.sessionId,
      user: adder.userId,
      revokedAt: null,
      expiresAt: { $gt: new Date() },
    });
    if (live === 0) throw unauthenticated('This session has ended: sign in again.');
  }

  /** Whether proving the address `via` this way takes the account back from an earlier holder. */
  static reclaims(current: EmailProof | null, via: EmailProof): boolean {
    return via === 'mail' ? current !== 'mail' : current === null;
  }

  /**
   * Records that the address of `user` was proven `via` the mailbox or a provider, applying the reclaim
   * rule. Never downgrades a mailbox proof to a provider's. Call inside the change's unit of work.
   */
  async proveAddress(
    uow: UnitOfWork,
    user: Pick<User, 'id' | 'email' | 'emailProof'>,
    via: EmailProof,
    client: ClientInfo,
  ): Promise<Proven> {
    // One conditional UPDATE decides, atomically: it changes the row only when this proof takes the
    // account back (mail over none or a provider's; a provider's over none), so two proofs racing each
    // other cannot both reclaim, and a weaker proof never overwrites a stronger one.
    const reclaimed =
      (await this.deps.users.set(
        uow,
        user.id,
        { emailProof: via },
        via === 'mail'
          ? { $or: [{ emailProof: null }, { emailProof: { $ne: 'mail' } }] }
          : { emailProof: null },
      )) === 1;
    const removed: string[] = [];
    // The mail names each kind in the recipient's language: the reclaimer's name and the count it reported.
    const items: RemovedItem[] = [];
    if (reclaimed) {
      for (const { name, remove } of this.reclaimers) {
        const what = await remove(uow, { id: user.id, email: user.email });
        if (!what) continue;
        removed.push(what);
        items.push({ kind: name, count: Number(/^\d+/.exec(what)?.[0] ?? 1), text: what });
      }
      if (removed.length > 0) {
        await this.deps.mailer.queue(uow, 'account-reclaimed', user.email, { removed: items });
        await this.deps.events.record(uow, {
          type: SecurityEventType.ACCOUNT_RECLAIMED,
          userId: user.id,
          ...client,
          detail: { removed },
        });
      }
    }
    // Not written onto `user`: it may be an entity its unit of work would flush again.
    const proof: EmailProof = reclaimed || user.emailProof !== 'mail' ? via : 'mail';
    return { proof, reclaimed, removed };
  }

  /** Runs every registered deletion step for `userId` (the caller deletes the user row after). */
  async deleteUser(uow: UnitOfWork, userId: string): Promise<void> {
    for (const { remove } of this.deleters) await remove(uow, userId);
  }
}

/** "2 passkeys", "1 passkey", or null for none: the removers' answers. */
export function counted(n: number, one: string, many = `${one}s`): string | null {
  if (n <= 0) return null;
  return `${n} ${n === 1 ? one : many}`;
}
