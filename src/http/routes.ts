import type { MikroORM } from '@mikro-orm/core';
import type { ErrorRequestHandler, Express } from 'express';
import { errorFields } from '../errors';
import type { Logger } from '../logger';
import type { JwtService } from '../tokens/jwt';
import { refuse } from './graphql-handler';

const HEALTH_TIMEOUT_MS = 2_000;

/** The plain HTTP endpoints beside /graphql. */
export function mountRoutes(app: Express, orm: MikroORM, jwt: JwtService): void {
  app.get('/health', async (_req, res) => {
    // A database that hangs instead of refusing must not hang the health check with it.
    const timeout = new Promise<boolean>((resolve) =>
      setTimeout(resolve, HEALTH_TIMEOUT_MS, false).unref(),
    );
    const healthy = await Promise.race([orm.isConnected().catch(() => false), timeout]);
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable' });
  });
  app.get('/.well-known/jwks.json', (_req, res) => {
    // Short public caching: verifiers pick up a pre-published key well before it signs anything.
    res.set('cache-control', 'public, max-age=300');
    res.json(jwt.jwks());
  });
}

/** Failures of the Express routes answer as GraphQL-shaped JSON, never as an HTML stack trace. */
export function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err: { status?: number; statusCode?: number }, _req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) logger.error(errorFields(err), 'request failed');
    refuse(res, status);
  };
}
