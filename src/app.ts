import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import type { MikroORM } from '@mikro-orm/core';
import express, { type ErrorRequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { AccountService } from './auth/account.service';
import { SignInService } from './auth/sign-in.service';
import type { Config } from './config';
import { buildContext, type Context, type Services } from './context';
import { migrate, openDatabase } from './database/orm';
import { createFormatError } from './errors';
import { createLogger, type Logger } from './logger';
import { Mailer } from './mail/mailer';
import { PasswordHasher } from './password/password-hasher';
import { createSchema } from './schema';
import { SessionCache } from './sessions/session-cache';
import { SessionService } from './sessions/session.service';
import { JwtService } from './tokens/jwt';
import { TokenPurpose } from './tokens/one-time-token.entity';
import { OneTimeTokenService } from './tokens/one-time-token.service';

export interface App {
  httpServer: Server;
  orm: MikroORM;
  schema: GraphQLSchema;
  mailer: Mailer;
  logger: Logger;
  /** Starts listening; resolves with the GraphQL endpoint URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, finishes in-flight requests and pending mail, closes the database. */
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
}

const BODY_LIMIT = '100kb';

/** Builds the whole server from a Config: no process.env, no globals, nothing listening yet. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const orm = await openDatabase(config, (message) => logger.debug({ orm: message }, 'orm'));
  const applied = await migrate(orm);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

  const jwt = new JwtService({
    secret: config.jwt.secret,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    clockSkewSec: config.jwt.clockSkewSec,
  });
  const mailer = new Mailer(
    {
      smtpUrl: config.mail.smtpUrl,
      from: config.mail.from,
      outboxDir: config.mail.outboxDir,
      printToConsole: config.env === 'development',
    },
    logger,
  );
  const hasher = new PasswordHasher(config.bcryptCost);
  const oneTimeTokens = new OneTimeTokenService(jwt, {
    [TokenPurpose.ACTIVATION]: config.activationTtlSec,
    [TokenPurpose.RESET]: config.resetTtlSec,
  });
  const sessions = new SessionService(
    config,
    jwt,
    new SessionCache(config.sessionCacheTtlMs),
    mailer,
    logger,
  );
  const services: Services = {
    jwt,
    sessions,
    accounts: new AccountService(config, orm, hasher, oneTimeTokens, mailer, logger),
    signIn: new SignInService(hasher, sessions, logger),
  };
  await hasher.warmUp();

  const schema = await createSchema();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const httpServer = createServer(app);

  const apollo = new ApolloServer<Context>({
    schema,
    formatError: createFormatError(logger, config.env === 'development'),
    includeStacktraceInErrorResponses: config.env === 'development',
    introspection: !config.isProduction,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      config.isProduction
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  app.get('/health', async (_req, res) => {
    const healthy = await orm.isConnected().catch(() => false);
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable' });
  });
  app.get('/.well-known/jwks.json', (_req, res) => {
    // HS256 keys are secret: nothing to publish until asymmetric keys are configured.
    res.json({ keys: [] });
  });
  app.use(
    '/graphql',
    express.json({ limit: BODY_LIMIT }),
    expressMiddleware(apollo, {
      context: async ({ req }) => buildContext(req, orm.em.fork(), services),
    }),
  );
  app.use(jsonErrors(logger));

  let closing: Promise<void> | null = null;
  return {
    httpServer,
    orm,
    schema,
    mailer,
    logger,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}/graphql`);
        });
      });
    },
    close() {
      closing ??= (async () => {
        await apollo.stop();
        await mailer.drain();
        mailer.close();
        await orm.close(true);
      })();
      return closing;
    },
  };
}

/** Body-parser and other HTTP-level failures answer as GraphQL-shaped JSON, never as an HTML stack trace. */
function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err: { status?: number; statusCode?: number; type?: string }, _req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) logger.error({ err }, 'request failed');
    const message =
      status === 413
        ? 'Request body is too large (limit 100 kB).'
        : status < 500
          ? 'Malformed request.'
          : 'Internal server error.';
    res.status(status).json({
      errors: [
        { message, extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' } },
      ],
    });
  };
}
