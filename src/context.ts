import type { IncomingMessage } from 'node:http';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
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
}

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
  private viewing: Promise<Viewer | null> | null = null;

  constructor(
    private readonly orm: MikroORM,
    readonly services: Services,
    readonly client: ClientInfo,
    private readonly authorization: string | undefined,
  ) {}

  get em(): EntityManager {
    return (this.forked ??= this.orm.em.fork());
  }

  viewer(): Promise<Viewer | null> {
    return (this.viewing ??= resolveViewer(this.authorization, this, this.services));
  }
}

async function resolveViewer(
  header: string | undefined,
  context: Context,
  services: Services,
): Promise<Viewer | null> {
  if (!header || header.length > 4096) return null;
  const match = BEARER.exec(header);
  if (!match) return null;
  const result = services.jwt.verifyAccess(match[1]!);
  if (!result.ok) return null;
  const { sub, sid, role } = result.claims;
  // A database failure here propagates as a masked error: access is denied, never granted.
  if (!(await services.sessions.isLive(() => context.em, sid))) return null;
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
