import type { IncomingMessage } from 'node:http';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { accountDisabled, unauthenticated } from './errors';
import { clientInfo, type ClientIp } from './http/client-ip';
import { whenReady, type MaybePromise } from './maybe-promise';
import type { Services } from './services';
import type { ClientInfo } from './sessions/session.service';
import type { OrgRole } from './organizations/org-role';
import type { Role } from './users/role';

export interface Viewer {
  userId: string;
  sessionId: string;
  role: Role;
  /** The token's `amr` (RFC 8176): how the session was signed in. */
  amr: readonly string[];
  /** The token's `auth_time` in seconds: when the user last proved a factor (`@auth(fresh: N)`). */
  authTime: number;
  /** The token's `org` (switchOrganization), or null when the token carries no organization. */
  org: string | null;
  /** The token's `org_role`: the viewer's role in `org` when the token was minted (`@auth(orgRole: …)`). */
  orgRole: OrgRole | null;
}

export interface Context {
  em: EntityManager;
  client: ClientInfo;
  /** The request's Accept-Language header (a sign-up without `locale` takes the best supported match). */
  acceptLanguage: string | null;
  services: Services;
  /**
   * Resolved on first use only, so public operations never pay for the session check. Ready at once
   * (no promise) when the token, the session and the account were all answered from memory.
   */
  viewer(): MaybePromise<Viewer | null>;
  /** The viewer, or UNAUTHENTICATED / ACCOUNT_DISABLED (what @auth answers); ready at once as viewer(). */
  authenticate(): MaybePromise<Viewer>;
}

/** A valid token whose account an administrator disabled (its sessions were ended with it). */
const DISABLED = Symbol('disabled');

const BEARER = 'Bearer ';
// Bounds a hostile Authorization header before any other work (the token's own shape is checked by
// verifyAccess, only for a token it has not verified before). Room for a token carrying 4 KB of `app`.
const MAX_HEADER_LENGTH = 8192;
const UNRESOLVED = Symbol('unresolved');

/**
 * Builds the per-request context. Never throws: a missing or bad token yields viewer() === null, and
 * @auth answers UNAUTHENTICATED.
 */
export function createContextBuilder(
  orm: MikroORM,
  services: Services,
  clientIp: ClientIp,
): (req: IncomingMessage) => Context {
  return (req) =>
    new RequestContext(
      orm,
      services,
      clientInfo(req, clientIp),
      req.headers.authorization,
      req.headers['accept-language'] ?? null,
    );
}

/**
 * The EntityManager is forked on first use only. A class, so the lazy getter lives on the prototype:
 * Apollo copies the context's own properties (Object.assign) into the object resolvers receive, which
 * would call an own getter, fork for every request, and copy the result.
 */
class RequestContext implements Context {
  private forked: EntityManager | null = null;
  private resolved: MaybePromise<Viewer | null | typeof DISABLED> | typeof UNRESOLVED = UNRESOLVED;

  constructor(
    private readonly orm: MikroORM,
    readonly services: Services,
    readonly client: ClientInfo,
    private readonly authorization: string | undefined,
    readonly acceptLanguage: string | null,
  ) {}

  get em(): EntityManager {
    return (this.forked ??= this.orm.em.fork());
  }

  viewer(): MaybePromise<Viewer | null> {
    return whenReady(this.resolve(), (viewer) => (viewer === DISABLED ? null : viewer));
  }

  authenticate(): MaybePromise<Viewer> {
    return whenReady(this.resolve(), (viewer) => {
      if (viewer === DISABLED) throw accountDisabled();
      if (!viewer) throw unauthenticated();
      return viewer;
    });
  }

  private resolve(): MaybePromise<Viewer | null | typeof DISABLED> {
    if (this.resolved === UNRESOLVED)
      this.resolved = resolveViewer(this.authorization, () => this.em, this.services);
    return this.resolved;
  }
}

function resolveViewer(
  header: string | undefined,
  em: () => EntityManager,
  services: Services,
): MaybePromise<Viewer | null | typeof DISABLED> {
  if (!header || header.length > MAX_HEADER_LENGTH || !header.startsWith(BEARER)) return null;
  const result = services.jwt.verifyAccess(header.slice(BEARER.length));
  if (!result.ok) return null;
  const { sub, sid, role, amr } = result.claims;
  const org = result.claims.org ?? null;
  const orgRole = result.claims.org_role ?? null;
  // A token without auth_time (minted before it existed, or by an older process mid-deploy) is never
  // fresh: its iat is only its last refresh, not a proof of the user.
  const authTime = result.claims.auth_time ?? 0;
  // A database failure here propagates as a masked error: access is denied, never granted.
  return whenReady(services.sessions.isLive(em, sid), (live) => {
    if (live) return { userId: sub, sessionId: sid, role, amr, authTime, org, orgRole };
    // Off the hot path: only a token whose session is over pays for this (cached) read.
    return whenReady(services.userCache.get(em, sub), (user) => (user?.disabled ? DISABLED : null));
  });
}

/**
 * For resolvers behind @auth, which has already refused anonymous callers. Reaching this without a
 * viewer means a field lost its directive: a server bug (masked INTERNAL_SERVER_ERROR), not a quiet
 * second guard, so the schema-walk test fails when a directive goes missing.
 */
export function requireViewer(ctx: Context): MaybePromise<Viewer> {
  return whenReady(ctx.viewer(), (viewer) => {
    if (!viewer)
      throw new Error('resolver reached without a viewer: is its @auth directive missing?');
    return viewer;
  });
}
