import type { IncomingMessage } from 'node:http';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { accountDisabled, unauthenticated } from './errors';
import { clientInfo, type ClientIp } from './http/client-ip';
import type { Services } from './services';
import type { ClientInfo } from './sessions/session.service';
import type { Role } from './users/role';

export interface Viewer {
  userId: string;
  sessionId: string;
  role: Role;
}

export interface Context {
  em: EntityManager;
  client: ClientInfo;
  services: Services;
  /** Resolved on first use only, so public operations never pay for the session check. */
  viewer(): Promise<Viewer | null>;
  /** The viewer, or UNAUTHENTICATED / ACCOUNT_DISABLED (what @auth answers). */
  authenticate(): Promise<Viewer>;
}

/** A valid token whose account an administrator disabled (its sessions were ended with it). */
const DISABLED = Symbol('disabled');

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

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
    new RequestContext(orm, services, clientInfo(req, clientIp), req.headers.authorization);
}

/**
 * The EntityManager is forked on first use only. A class, so the lazy getter lives on the prototype:
 * Apollo copies the context's own properties (Object.assign) into the object resolvers receive, which
 * would call an own getter, fork for every request, and copy the result.
 */
class RequestContext implements Context {
  private forked: EntityManager | null = null;
  private resolved: Promise<Viewer | null | typeof DISABLED> | null = null;

  constructor(
    private readonly orm: MikroORM,
    readonly services: Services,
    readonly client: ClientInfo,
    private readonly authorization: string | undefined,
  ) {}

  get em(): EntityManager {
    return (this.forked ??= this.orm.em.fork());
  }

  async viewer(): Promise<Viewer | null> {
    const viewer = await this.resolve();
    return viewer === DISABLED ? null : viewer;
  }

  async authenticate(): Promise<Viewer> {
    const viewer = await this.resolve();
    if (viewer === DISABLED) throw accountDisabled();
    if (!viewer) throw unauthenticated();
    return viewer;
  }

  private resolve(): Promise<Viewer | null | typeof DISABLED> {
    return (this.resolved ??= resolveViewer(this.authorization, () => this.em, this.services));
  }
}

async function resolveViewer(
  header: string | undefined,
  em: () => EntityManager,
  services: Services,
): Promise<Viewer | null | typeof DISABLED> {
  if (!header || header.length > 4096) return null;
  const match = BEARER.exec(header);
  if (!match) return null;
  const result = services.jwt.verifyAccess(match[1]!);
  if (!result.ok) return null;
  const { sub, sid, role } = result.claims;
  // A database failure here propagates as a masked error: access is denied, never granted.
  if (!(await services.sessions.isLive(em, sid))) {
    // Off the hot path: only a token whose session is over pays for this (cached) read.
    const user = await services.userCache.get(em, sub);
    return user?.disabled ? DISABLED : null;
  }
  return { userId: sub, sessionId: sid, role };
}

/**
 * For resolvers behind @auth, which has already refused anonymous callers. Reaching this without a
 * viewer means a field lost its directive: a server bug (masked INTERNAL_SERVER_ERROR), not a quiet
 * second guard, so the schema-walk test fails when a directive goes missing.
 */
export async function requireViewer(ctx: Context): Promise<Viewer> {
  const viewer = await ctx.viewer();
  if (!viewer)
    throw new Error('resolver reached without a viewer: is its @auth directive missing?');
  return viewer;
}
