import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { MikroORM } from '@mikro-orm/core';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Config } from './config';
import { adminConsoleRouter } from './admin-console/admin-console.router';
import { createContextBuilder, type Context } from './context';
import { createClientIp } from './http/client-ip';
import { createGraphQLHandler, isGraphQLPath } from './http/graphql-handler';
import { jsonErrors, mountRoutes } from './http/routes';
import { devPagesRouter } from './pages/dev-pages';
import { EXPLORER_AUTHORIZATION } from './pages/explorer-authorization';
import { migrate, openDatabase } from './database/orm';
import { deploymentOf, recordDeployment } from './database/server-settings';
import { errorFields } from './errors';
import { createFormatError } from './graphql/format-error';
import { createArmor } from './limits/armor';
import { createLogger, type Logger } from './logger';
import { oauthRouter } from './oauth/oauth.router';
import { pagesRouter } from './pages/pages.router';
import { metricsPlugin } from './metrics/metrics.plugin';
import { mountMetrics } from './metrics/metrics.route';
import type { Mailer } from './mail/mailer';
import { createSchema } from './schema';
import { createServices, type Services } from './services';

export interface App {
  httpServer: Server;
  orm: MikroORM;
  schema: GraphQLSchema;
  mailer: Mailer;
  logger: Logger;
  services: Services;
  /** Starts listening; resolves with the GraphQL endpoint URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Stops accepting, finishes in-flight requests, the work they started after answering and the mail
   * it queued (within `budgetMs`, default 8 s), then closes the mailer and the database.
   */
  close(budgetMs?: number): Promise<void>;
}

/** What close() may take by default: main.ts' shutdown deadline (10 s) less room for the database close. */
const CLOSE_BUDGET_MS = 8_000;

export interface AppOptions {
  logger?: Logger;
  /** In cluster workers: resolves once their primary has applied the migrations for all of them. */
  migrated?: Promise<void>;
}

/** Builds the whole server from a Config: no process.env, no globals, nothing listening yet. */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const orm = await openDatabase(config, (message) => logger.debug({ orm: message }, 'orm'));
  // The schema and Apollo are built while migrations run (here or in the cluster primary): nothing
  // touches a table before `migrated` resolves.
  const migrated =
    options.migrated ??
    migrate(orm).then((applied) => {
      if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    });
  migrated.catch(() => {}); // awaited below; no unhandled rejection while the schema builds

  const services = createServices(config, orm, logger);
  if (!config.webauthn)
    logger.info(
      'passkeys are off: APP_URL is no web URL on a domain; set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS',
    );
  const { mailer } = services;
  try {
    await services.limits.ready();
  } catch (err) {
    await mailer.stop();
    await orm.close(true);
    throw err;
  }
  // Started before the schema (it touches no table) and not awaited: a sign-in arriving first waits
  // for the same dummy hash, so it is never the fast one.
  services.hasher
    .warmUp()
    .catch((err: unknown) => logger.error(errorFields(err), 'bcrypt warm-up failed'));

  const schema = await createSchema();
  const app = express();
  app.disable('x-powered-by');
  // /graphql goes straight to Apollo on node:http; Express serves the rest (pages, JWKS, health).
  let graphql: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  const httpServer = createServer((req, res) => {
    if (isGraphQLPath(req.url)) graphql(req, res);
    else app(req, res);
  });
  // The one reader of the client IP (Express' own `trust proxy` stays off, so req.ip is never used).
  const clientIp = createClientIp(config.trustProxy);

  const armor = createArmor({ blockFieldSuggestions: config.isProduction });
  const apollo = new ApolloServer<Context>({
    schema,
    validationRules: armor.validationRules,
    parseOptions: armor.parseOptions,
    formatError: createFormatError(logger, config.env === 'development'),
    includeStacktraceInErrorResponses: config.env === 'development',
    introspection: !config.isProduction,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    csrfPrevention: true,
    // Apollo's own SIGTERM handler re-raises the signal after stopping: main.ts owns the shutdown.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    logger,
    plugins: [
      // Half of main.ts' 10 s shutdown deadline: the mail in progress and the database close come after.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 5_000 }),
      metricsPlugin<Context>(services.metrics),
      ...armor.plugins,
      // No HTTP caching of auth answers, and no per-field hook on every request.
      ApolloServerPluginCacheControlDisabled(),
      config.isProduction
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            includeCookies: false,
            // Shared by every Sandbox tab: paste the accessToken from signIn and `me` works.
            embed: { initialState: { sharedHeaders: { Authorization: EXPLORER_AUTHORIZATION } } },
          }),
    ],
  });
  await apollo.start();
  try {
    await migrated;
    // A CLI run checks these before it writes: its secret and webhook settings must be this server's.
    await recordDeployment(orm.em.fork(), deploymentOf(config, services.secrets));
  } catch (err) {
    await apollo.stop();
    await mailer.stop();
    await orm.close(true);
    throw err;
  }
  mailer.start();
  services.housekeeping.start();

  mountRoutes(app, orm, services.jwt);
  mountMetrics(app, services.metrics, config.metricsToken);
  app.use(pagesRouter({ config, services, orm, logger, clientIp }));
  app.use(oauthRouter({ config, services, orm, logger, clientIp }));
  app.use(adminConsoleRouter({ config }));
  app.use(devPagesRouter({ config }));
  graphql = createGraphQLHandler(apollo, createContextBuilder(orm, services, clientIp), logger);
  app.use(jsonErrors(logger));

  let closing: Promise<void> | null = null;
  return {
    httpServer,
    orm,
    schema,
    mailer,
    logger,
    services,
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
    close(budgetMs = CLOSE_BUDGET_MS) {
      closing ??= (async () => {
        const deadline = Date.now() + budgetMs;
        const left = () => Math.max(0, deadline - Date.now());
        await apollo.stop();
        // Answers already sent (true to a reset, resend or code request) may still be queuing mail.
        if (!(await services.background.drain(left())))
          logger.warn(
            { pending: services.background.pending },
            'background work unfinished at shutdown',
          );
        await mailer.settle(left());
        // Mail not yet delivered stays in the outbox for the next process (or this one on restart).
        await mailer.stop();
        await services.housekeeping.stop();
        await services.limits.close();
        await services.hasher.close();
        await orm.close(true);
      })();
      return closing;
    },
  };
}
