import { createHmac, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { JwtConfig } from '../tokens/tokens.config';
import type { SessionsConfig } from './sessions.config';
import { insertTogether, type RowInsert } from '../database/insert-together';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { accountDisabled, invalidToken, tokenExpired, unauthenticated } from '../errors';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import type { MaybePromise } from '../maybe-promise';
import type { JwtService, OrgClaim } from '../tokens/jwt';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';
import { randomSecret, sameDigest, sha256 } from '../tokens/random';
import { type User } from '../users/user.entity';
import { Session } from './session.entity';
import type { ClientInfo, IssuedTokens } from './session.types';
import type { SessionCache } from './session-cache';
import { isUuid } from '../ids';

export type { ClientInfo, IssuedTokens } from './session.types';

/**
 * Reads whether a session is live from the database (the user cache's `readLiveSession`, which stores the
 * owner it reads on the way): passed in, so sessions import nothing from the user cache.
 */
export type ReadLiveSession = (em: EntityManager, sessionId: string) => Promise<boolean>;

/**
 * The `org` and `org_role` a session's tokens carry for the organization it switched to, read from the
 * current membership (null: no longer a member). Registered by the organizations feature, so sessions
 * import nothing of it.
 */
export type OrgClaimReader = (
  em: EntityManager,
  userId: string,
  orgId: string,
) => Promise<OrgClaim | null>;

export interface SessionServiceDeps {
  readonly config: Pick<SessionsConfig, 'refreshTtlMs' | 'refreshReuseGraceMs'> & {
    readonly jwt: Pick<JwtConfig, 'accessTtlSec'>;
  };
  readonly jwt: JwtService;
  readonly cache: SessionCache;
  readonly readLive: ReadLiveSession;
  readonly mailer: Mailer;
  readonly events: SecurityEvents;
  readonly logger: Logger;
  /** Derives the key of the refresh-token successor chain. */
  readonly secrets: ServerSecrets;
}

export class SessionService {
  /** Keys of the successor chain: the current one first, then those of JWT_PREVIOUS_SECRETS. */
  private readonly rotationKeys: Buffer[];

  constructor(private readonly deps: SessionServiceDeps) {
    this.rotationKeys = deps.secrets.keys(KeyLabel.REFRESH_SUCCESSOR);
  }

  private orgClaim: OrgClaimReader = async () => null;

  /** Registers how a session's organization becomes claims (src/organizations). */
  onOrgClaims(read: OrgClaimReader): void {
    this.orgClaim = read;
  }

  /**
   * Opens a session for a user whose sign-in is complete, inserted with `alongside` (its security event)
   * all or none, in one statement on PostgreSQL. Only the sign-in flow calls this: it decides the `amr`
   * the method earned (src/auth/sign-in-flow.ts).
   */
  async create(
    em: EntityManager,
    user: User,
    client: ClientInfo,
    amr: readonly string[],
    alongside: RowInsert[],
  ): Promise<IssuedTokens> {
    const secret = randomSecret();
    const now = new Date();
    const session = {
      id: randomUUID(),
      amr: amr.join(' '),
      // Every factor of the session was proven just now: its tokens' auth_time, kept by refreshes.
      authTime: now,
      createdAt: now,
      orgId: null,
    };
    // Native INSERTs of plain rows: no entity built, no flush, no change sets of what the unit has
    // loaded (the sign-in hot path). The other columns take their defaults (generation 0, nulls).
    const row = {
      ...session,
      user: user.id,
      lastUsedAt: now,
      refreshTokenHash: sha256(secret),
      expiresAt: new Date(now.getTime() + this.deps.config.refreshTtlMs),
      ...clientColumns(client),
    };
    await insertTogether(em, [{ entity: Session, row }, ...alongside]);
    return this.issue(em, session, user, secret);
  }

  /**
   * A reauthentication of a live session of `user`: every factor in `amr` was proven just now, so the
   * session's auth_time becomes now, its amr the new one, and a new pair replaces the old one the way a
   * switch does (`reissue`). Only the sign-in flow calls this. Throws UNAUTHENTICATED (the session ended
   * meanwhile).
   */
  async renew(
    em: EntityManager,
    sessionId: string,
    user: User,
    amr: readonly string[],
  ): Promise<IssuedTokens> {
    return this.reissue(
      em,
      { id: sessionId, user: user.id },
      { amr: amr.join(' '), authTime: new Date() },
    );
  }

  /**
   * Rotates a refresh token. The successor is derived from the presented secret with a server key, so a
   * retry inside the grace window gets the very same successor without any plaintext being stored, and
   * concurrent refreshes can only ever agree on one. Throws INVALID_TOKEN, TOKEN_EXPIRED.
   */
  async refresh(
    em: EntityManager,
    refreshToken: string,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw invalidToken('This refresh token is invalid. Sign in again.');
    const { sessionId, secret } = parsed;

    let session = await em.findOne(Session, { id: sessionId }, { populate: ['user'] });
    // Disabling ended the session; its holder (proven by a current or rotated secret) learns why.
    if (session?.user.disabled && this.presentedBelongs(session, secret)) throw accountDisabled();
    if (!session || session.revokedAt) throw invalidToken('This session has ended. Sign in again.');
    if (session.expiresAt.getTime() <= Date.now())
      throw tokenExpired('This session has expired. Sign in again.');

    const presented = sha256(secret);
    const successor = successorOf(this.rotationKeys[0]!, secret);
    const successorHash = sha256(successor);

    if (sameDigest(presented, session.refreshTokenHash)) {
      const now = new Date();
      // Conditional on the hash still being current: of concurrent rotations exactly one matches.
      const rotated = await em.nativeUpdate(
        Session,
        { id: sessionId, refreshTokenHash: presented, revokedAt: null },
        {
          refreshTokenHash: successorHash,
          previousTokenHash: presented,
          rotatedAt: now,
          lastUsedAt: now,
          generation: session.generation + 1,
          ip: clientColumns(client).ip,
          userAgent: clientColumns(client).userAgent ?? session.userAgent,
        },
      );
      if (rotated === 1) return this.issue(em, session, session.user, successor);
      session = await em.findOne(Session, { id: sessionId }, { populate: ['user'], refresh: true });
      if (!session || session.revokedAt)
        throw invalidToken('This session has ended. Sign in again.');
    }

    if (session.previousTokenHash && sameDigest(presented, session.previousTokenHash)) {
      const rotatedAt = session.rotatedAt?.getTime() ?? 0;
      const grace = this.deps.config.refreshReuseGraceMs;
      if (grace > 0 && Date.now() - rotatedAt <= grace) {
        // The successor handed out then, possibly made with a key retired since.
        const current = session.refreshTokenHash;
        const switched = switchPointsOf(session);
        const same = this.rotationKeys
          .map((key) => nextInChain(key, secret, switched))
          .find((s) => sameDigest(sha256(s), current));
        if (same) return this.issue(em, session, session.user, same);
      }
      await this.revokeForReuse(em, session, client);
      throw reused();
    }
    if (this.isAncestor(secret, session)) {
      await this.revokeForReuse(em, session, client);
      throw reused();
    }
    throw invalidToken('This refresh token is invalid. Sign in again.');
  }

  /**
   * Whether `secret` is an older token of this session: successors are an HMAC chain, so walking it
   * forward from the presented secret reaches the current (or previous) hash. Capped by the number of
   * rotations the session has had and by MAX_ANCESTOR_STEPS, so a guess costs bounded work.
   */
  private isAncestor(secret: string, session: Session): boolean {
    const steps = Math.min(session.generation, MAX_ANCESTOR_STEPS);
    const switched = switchPointsOf(session);
    for (const key of this.rotationKeys) {
      let next = secret;
      for (let i = 0; i < steps; i++) {
        next = nextInChain(key, next, switched);
        const hash = sha256(next);
        if (sameDigest(hash, session.refreshTokenHash)) return true;
        if (session.previousTokenHash && sameDigest(hash, session.previousTokenHash)) return true;
      }
    }
    return false;
  }

  /**
   * switchOrganization: a new token pair for the same session, whose tokens (and those of its later
   * refreshes) carry the organization `orgId` (null: none). The caller has checked the membership.
   * Throws UNAUTHENTICATED (the session ended or changed meanwhile).
   */
  async switchOrganization(
    uow: UnitOfWork,
    userId: string,
    sessionId: string,
    orgId: string | null,
  ): Promise<IssuedTokens> {
    return this.reissue(uow.em, { id: sessionId, user: userId }, { orgId });
  }

  /**
   * A new pair for a live session without its refresh token (reauthenticate, switchOrganization), with
   * `changes` applied. The presented token is retired like a rotated one, in one conditional UPDATE: the
   * new secret is derived from the retired token's hash (which the server has) instead of its secret
   * (which it has not), and that hash is recorded as a switch point, so a chain walk from an older token
   * reaches the new one (presenting one later is a reuse) and a parallel tab presenting the retired token
   * inside the grace window gets this very pair.
   */
  private async reissue(
    em: EntityManager,
    live: { id: string; user: string },
    changes: Partial<Pick<Session, 'orgId' | 'amr' | 'authTime'>>,
  ): Promise<IssuedTokens> {
    const session = await em.findOne(
      Session,
      { id: live.id, user: live.user, revokedAt: null, expiresAt: { $gt: new Date() } },
      { populate: ['user'], refresh: true },
    );
    if (!session) throw unauthenticated('This session has ended: sign in again.');
    const retired = session.refreshTokenHash;
    const secret = switchSuccessorOf(this.rotationKeys[0]!, retired);
    const switchPoints = [...switchPointsOf(session), retired].slice(-MAX_SWITCH_POINTS).join(' ');
    const now = new Date();
    const reissued = await em.nativeUpdate(
      Session,
      { id: session.id, refreshTokenHash: retired, revokedAt: null },
      {
        ...changes,
        switchPoints,
        refreshTokenHash: sha256(secret),
        previousTokenHash: retired,
        rotatedAt: now,
        lastUsedAt: now,
        generation: session.generation + 1,
      },
    );
    // A refresh or another reissue of this session won the race: its holder must use that pair.
    if (reissued !== 1) throw unauthenticated('This session changed meanwhile: refresh and retry.');
    Object.assign(session, changes);
    return this.issue(em, session, session.user, secret);
  }

  /** The user's live sessions, most recently used first. */
  list(em: EntityManager, userId: string): Promise<Session[]> {
    return em.find(
      Session,
      { user: userId, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { lastUsedAt: 'desc', id: 'asc' } },
    );
  }

  /** Ends one session of this user; false when it is not theirs or already ended. */
  async revoke(
    uow: UnitOfWork,
    userId: string,
    sessionId: string,
    client: ClientInfo,
  ): Promise<boolean> {
    if (!isUuid(sessionId)) return false;
    const ended = await uow.em.nativeUpdate(
      Session,
      { id: sessionId, user: userId, revokedAt: null },
      { revokedAt: new Date() },
    );
    if (ended === 1) {
      await this.deps.events.record(uow, {
        type: SecurityEventType.SESSION_REVOKED,
        userId,
        ...client,
        detail: { sessionId },
      });
    }
    // Only a session that was really this user's: otherwise anyone could evict others from the cache.
    if (ended !== 1) return false;
    this.deps.cache.endOnCommit(uow, [sessionId]);
    return true;
  }

  /**
   * Registers what must end whenever a user's sessions are ended at once (a password change or reset,
   * sign-out everywhere, a disable, a reclaim): e.g. open MFA tickets, which would otherwise still
   * finish a sign-in begun before.
   */
  onAllEnded(effect: (uow: UnitOfWork, userId: string) => Promise<void>): void {
    this.allEnded.push(effect);
  }

  private readonly allEnded: Array<(uow: UnitOfWork, userId: string) => Promise<void>> = [];

  /** Ends every live session of the user except `keep` (and what `onAllEnded` registered); returns the ended ids. */
  async revokeAll(uow: UnitOfWork, userId: string, keep?: string): Promise<string[]> {
    const { em } = uow;
    const live = await em.find(
      Session,
      { user: userId, revokedAt: null, ...(keep ? { id: { $ne: keep } } : {}) },
      { fields: ['id'] },
    );
    const ids = live.map((s) => s.id);
    if (ids.length > 0) {
      await em.nativeUpdate(
        Session,
        { id: { $in: ids }, revokedAt: null },
        { revokedAt: new Date() },
      );
    }
    this.deps.cache.endOnCommit(uow, ids);
    for (const effect of this.allEnded) await effect(uow, userId);
    return ids;
  }

  /** signOutEverywhere: ends every session of the user, this one included, and records it. */
  async endAll(uow: UnitOfWork, userId: string, client: ClientInfo): Promise<void> {
    const ended = await this.revokeAll(uow, userId);
    await this.deps.events.record(uow, {
      type: SecurityEventType.SESSION_REVOKED,
      userId,
      ...client,
      detail: { all: true, sessionsEnded: ended.length },
    });
  }

  /**
   * Whether access tokens of this session may still be honoured (cached for SESSION_CACHE_TTL). The same
   * read fetches the session's user, so a cold `me` costs one query, not two. A cached answer comes
   * back at once, not in a promise.
   */
  isLive(em: () => EntityManager, sessionId: string): MaybePromise<boolean> {
    // `em` is asked for only on a miss: a request answered from the cache never forks one.
    return this.deps.cache.isLive(sessionId, async () => this.deps.readLive(em(), sessionId));
  }

  private async revokeForReuse(
    em: EntityManager,
    session: Session,
    client: ClientInfo,
  ): Promise<void> {
    const user = session.user;
    await transaction(em, async (uow) => {
      const ended = await uow.em.nativeUpdate(
        Session,
        { id: session.id, revokedAt: null },
        { revokedAt: new Date() },
      );
      this.deps.cache.endOnCommit(uow, [session.id]);
      // Once per session: a burst of replays revokes once and mails once.
      if (ended !== 1) return;
      await this.deps.mailer.queue(uow, 'refresh-reuse', user);
      await this.deps.events.record(uow, {
        type: SecurityEventType.REFRESH_TOKEN_REUSED,
        userId: user.id,
        ...client,
        detail: { sessionId: session.id },
      });
    });
    this.deps.logger.warn(
      { event: 'refresh_reuse', userId: user.id, sessionId: session.id, ip: client.ip },
      'refresh token reuse: session revoked',
    );
  }

  /** Whether the presented secret is this session's current, previous or an older rotated one. */
  private presentedBelongs(session: Session, secret: string): boolean {
    const presented = sha256(secret);
    return (
      sameDigest(presented, session.refreshTokenHash) ||
      (session.previousTokenHash !== null && sameDigest(presented, session.previousTokenHash)) ||
      this.isAncestor(secret, session)
    );
  }

  private async issue(
    em: EntityManager,
    session: Pick<Session, 'id' | 'orgId' | 'amr' | 'authTime' | 'createdAt'>,
    user: User,
    secret: string,
  ): Promise<IssuedTokens> {
    const ttl = this.deps.config.jwt.accessTtlSec;
    // Re-read at every issue: a removed member's next refresh carries no org, a new role the new one.
    const org = session.orgId ? await this.orgClaim(em, user.id, session.orgId) : null;
    const { token } = this.deps.jwt.signAccess(
      {
        sub: user.id,
        sid: session.id,
        role: user.role,
        amr: session.amr.split(' '),
        authTime: session.authTime ?? session.createdAt,
        org,
        // Read from the user row on every issue (a refresh too): an admin's change reaches the next token.
        app: user.appMetadata,
      },
      ttl,
    );
    return { accessToken: token, refreshToken: `${session.id}.${secret}`, expiresIn: ttl, user };
  }
}

/** Rotated tokens a replay is traced back through; one HMAC each (~1 µs), so the cap bounds a guess's cost. */
const MAX_ANCESTOR_STEPS = 100;

const reused = () =>
  invalidToken('This refresh token was already used. The session has been ended; sign in again.');

/**
 * Switches whose retired tokens a chain walk still follows: as many as the walk takes steps, so a switch
 * never shortens the reach of reuse detection below that of plain rotation (switches are also rate
 * limited per session, RATE_LIMIT_ORG_SWITCHES_PER_SESSION).
 */
const MAX_SWITCH_POINTS = MAX_ANCESTOR_STEPS;

function successorOf(key: Buffer, secret: string): string {
  return createHmac('sha256', key).update(secret).digest('base64url');
}

/** The token a switchOrganization hands out in place of the token whose hash is `retiredHash`. */
function switchSuccessorOf(key: Buffer, retiredHash: string): string {
  return createHmac('sha256', key).update(`org-switch:${retiredHash}`).digest('base64url');
}

/** The token that followed `secret`: its rotation successor, or its switch successor if a switch retired it. */
function nextInChain(key: Buffer, secret: string, switchPoints: ReadonlySet<string>): string {
  if (switchPoints.size > 0) {
    const hash = sha256(secret);
    if (switchPoints.has(hash)) return switchSuccessorOf(key, hash);
  }
  return successorOf(key, secret);
}

function switchPointsOf(session: Session): Set<string> {
  return new Set(session.switchPoints ? session.switchPoints.split(' ') : []);
}

function parseRefreshToken(value: unknown): { sessionId: string; secret: string } | null {
  if (typeof value !== 'string' || value.length > 200) return null;
  const dot = value.indexOf('.');
  if (dot < 0) return null;
  const sessionId = value.slice(0, dot);
  const secret = value.slice(dot + 1);
  if (!isUuid(sessionId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return { sessionId, secret };
}

/** The client as stored on a session, cut to its columns' sizes (varchar 64 and 512). */
function clientColumns(client: ClientInfo): { ip: string | null; userAgent: string | null } {
  return {
    ip: client.ip?.slice(0, 64) ?? null,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
  };
}
