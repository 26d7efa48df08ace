import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/core';
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

/** Never throws: a missing or bad token yields viewer() === null, and @auth answers UNAUTHENTICATED. */
export function buildContext(
  req: IncomingMessage,
  em: EntityManager,
  services: Services,
  clientIp: ClientIp,
): Context {
  const header = req.headers.authorization;
  let resolved: Promise<Viewer | null | typeof DISABLED> | null = null;
  const resolve = () => (resolved ??= resolveViewer(header, em, services));
  return {
    em,
    services,
    client: clientInfo(req, clientIp),
    async viewer() {
      const viewer = await resolve();
      return viewer === DISABLED ? null : viewer;
    },
    async authenticate() {
      const viewer = await resolve();
      if (viewer === DISABLED) throw accountDisabled();
      if (!viewer) throw unauthenticated();
      return viewer;
    },
  };
}

async function resolveViewer(
  header: string | undefined,
  em: EntityManager,
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
