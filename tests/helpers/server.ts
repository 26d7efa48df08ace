import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Logger } from '../../src/logger';
import { postGraphql, type GqlResult } from './http';
import { freePort, Inbox } from './inbox';
import { KeyLabel, ServerSecrets } from '../../src/tokens/secrets';

export const TEST_SECRET = 'test-secret-for-authql-only-0123456789abcdef';
/** The keys a test server derives from TEST_SECRET (HKDF with their own labels): what a forger would need. */
export const TEST_KEYS = {
  access: new ServerSecrets(TEST_SECRET, []).key(KeyLabel.ACCESS_TOKEN),
  email: new ServerSecrets(TEST_SECRET, []).key(KeyLabel.EMAIL_TOKEN),
};
export const APP_URL = 'http://app.test';

export type { GqlResult } from './http';

export interface TestServer {
  url: string;
  databaseUrl: string;
  origin: string;
  app: App;
  config: Config;
  inbox: Inbox;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

// `npm run test:postgres` sets this: every suite then runs on PostgreSQL, one fresh database per server.
const POSTGRES_ADMIN_URL = process.env.AUTHQL_TEST_POSTGRES;
let databases = 0;

// The same admin connection jest's global setup uses for the template (plain JavaScript there).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const templates = require('./template-database') as {
  withAdmin(adminUrl: string, sql: string): Promise<void>;
};
const withAdmin = (sql: string) => templates.withAdmin(POSTGRES_ADMIN_URL!, sql);

// jest's global setup migrates one template database (tests/helpers/global-setup.js): a SQLite file to
// copy, or a PostgreSQL database to create from.
const TEMPLATE = process.env.AUTHQL_TEST_TEMPLATE;

/**
 * A database of this server's own: a temporary SQLite file, or a fresh PostgreSQL database. Copied
 * from the migrated template unless `empty` (what `npm start` meets on a new machine, and what the
 * tests of the migrations themselves need).
 */
export async function createDatabase(
  dir: string,
  { empty = false }: { empty?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const template = empty ? undefined : TEMPLATE;
  if (!POSTGRES_ADMIN_URL) {
    const path = join(dir, 'authql.sqlite');
    if (template) copyFileSync(template, path);
    return { url: `sqlite:${path}`, drop: async () => {} };
  }
  const name = `authql_test_${process.pid}_${++databases}_${Date.now().toString(36)}`;
  await withAdmin(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(`drop database if exists "${name}" with (force)`),
  };
}

// Suites make many accounts from 127.0.0.1: limits are lifted unless a test sets them (tests/rate-limit.test.ts).
export const LIFTED_LIMITS = {
  RATE_LIMIT_SIGNIN_PER_IP: '1000000',
  RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '1000000',
  RATE_LIMIT_EMAIL_PER_ADDRESS: '1000000',
  RATE_LIMIT_EMAIL_PER_IP: '1000000',
  RATE_LIMIT_TOKEN_PER_IP: '1000000',
};

export interface TestServerOptions {
  /** Listen on a free port chosen up front and set APP_URL to this server's own origin (mailed links open here). */
  ownAppUrl?: boolean;
  /** Listen on this port (a browser test that must know its origin before the server starts). */
  port?: number;
  logger?: Logger;
}

/** The real app on port 0, with its own database and a real SMTP inbox. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const port = options.port ?? (options.ownAppUrl ? await freePort() : 0);
  const own = options.ownAppUrl
    ? { PORT: String(port), APP_URL: `http://127.0.0.1:${port}` }
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'authql-test-'));
  const inbox = await new Inbox().start();
  // A second server can share the first one's database (several processes on one database).
  const database = env.DATABASE_URL
    ? { url: env.DATABASE_URL, drop: async () => {} }
    : await createDatabase(dir);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_SECRET,
    JWT_CLOCK_SKEW: '0',
    BCRYPT_COST: '4',
    SMTP_URL: inbox.url,
    APP_URL,
    ...LIFTED_LIMITS,
    ...own,
    ...env,
  });
  const app = await createApp(config, { logger: options.logger });
  const url = await app.listen(port, '127.0.0.1');
  const origin = new URL(url).origin;
  return {
    url,
    databaseUrl: database.url,
    origin,
    app,
    config,
    inbox,
    gql: (query, variables, options) => postGraphql(url, query, variables, options),
    async close() {
      await app.close();
      await inbox.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
