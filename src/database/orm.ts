import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MigrationObject, Options } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import type { SqlEntityManager } from '@mikro-orm/sqlite';
import type { DatabaseConfig } from './database.config';
import { SecurityEvent } from '../events/security-event.entity';
import { HousekeepingLease } from '../housekeeping/housekeeping-lease.entity';
import { OutboxMail } from '../mail/outbox.entity';
import { LinkedAccount } from '../oauth/linked-account.entity';
import { OAuthState } from '../oauth/oauth-state.entity';
import { UsedIdToken } from '../oauth/used-id-token.entity';
import { RATE_LIMIT_TABLE } from '../limits/stores';
import { OneTimeToken } from '../tokens/one-time-token.entity';
import { SignInCode } from '../codes/sign-in-code.entity';
import { MfaTicket } from '../mfa/mfa-ticket.entity';
import { RecoveryCode } from '../mfa/recovery-code.entity';
import { Passkey } from '../passkeys/passkey.entity';
import { PasskeyChallenge } from '../passkeys/passkey-challenge.entity';
import { Invitation, Membership, Organization } from '../organizations/organization.entity';
import { Session } from '../sessions/session.entity';
import { User } from '../users/user.entity';
import { allApplied, MIGRATIONS_TABLE } from './migration-check';
import { isPostgres, markPostgres } from './dialect';

export { isPostgres };
import { ServerSetting } from './server-setting.entity';

interface SqliteHandle {
  exec(sql: string, callback: (err: Error | null) => void): void;
}

export const ENTITIES = [
  User,
  Session,
  OneTimeToken,
  OutboxMail,
  HousekeepingLease,
  SecurityEvent,
  RecoveryCode,
  MfaTicket,
  SignInCode,
  LinkedAccount,
  OAuthState,
  UsedIdToken,
  Passkey,
  PasskeyChallenge,
  ServerSetting,
  Organization,
  Membership,
  Invitation,
];

/**
 * One ORM configuration for both drivers; migrations are listed per dialect (their SQL differs). Only
 * the configured driver's package is loaded, and the migration list (which loads the migrator's own
 * modules, umzug and its CLI) only `withMigrations`: a server that does not migrate never pays for it.
 */
export async function createOrmConfig(
  config: { readonly database: DatabaseConfig },
  log?: (message: string) => void,
  withMigrations = false,
): Promise<Options> {
  const common = {
    ...(log ? { logger: log } : {}),
    entities: ENTITIES,
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: true },
    // Owned by rate-limiter-flexible (created by a migration): a generated migration must not drop it.
    schemaGenerator: { skipTables: [RATE_LIMIT_TABLE] },
  } satisfies Options;
  const migrationsList = withMigrations ? await migrationsOf(config.database.driver) : undefined;
  if (config.database.driver === 'sqlite') {
    const { SqliteDriver } = await import('@mikro-orm/sqlite');
    const pragmas =
      'PRAGMA journal_mode = WAL; ' +
      `PRAGMA busy_timeout = ${Math.round(config.database.busyTimeoutMs)}; ` +
      'PRAGMA foreign_keys = ON;';
    return {
      ...common,
      driver: SqliteDriver,
      dbName: config.database.path,
      pool: {
        // WAL lets readers run beside the writer; busy_timeout (SQLITE_BUSY_TIMEOUT) waits for a lock
        // instead of failing at once.
        afterCreate: (conn: SqliteHandle, done: (err: Error | null, conn: SqliteHandle) => void) =>
          conn.exec(pragmas, (err) => done(err, conn)),
      },
      migrations: {
        migrationsList,
        path: 'src/migrations/sqlite',
        emit: 'ts',
        snapshot: false,
        transactional: true,
        allOrNothing: true,
      },
    } as Options;
  }
  const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: config.database.url,
    // Fail a request within seconds when the database is unreachable, instead of queueing for a minute.
    pool: { min: 0, max: 10, acquireTimeoutMillis: 5_000 },
    migrations: {
      migrationsList,
      path: 'src/migrations/postgresql',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
  } as Options;
}

export async function openDatabase(
  config: { readonly database: DatabaseConfig },
  log?: (message: string) => void,
): Promise<MikroORM> {
  if (config.database.driver === 'sqlite' && config.database.path !== ':memory:') {
    mkdirSync(dirname(config.database.path), { recursive: true });
  }
  const orm = await MikroORM.init(await createOrmConfig(config, log));
  if (config.database.driver === 'sqlite') beginImmediately(orm);
  else markPostgres(orm.config);
  return orm;
}

async function migrationsOf(driver: DatabaseConfig['driver']): Promise<MigrationObject[]> {
  return driver === 'sqlite'
    ? (await import('../migrations/sqlite')).sqliteMigrations
    : (await import('../migrations/postgresql')).postgresqlMigrations;
}

interface KnexTransaction {
  begin(connection: unknown): Promise<unknown>;
  query(connection: unknown, sql: string): Promise<unknown>;
}

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout)
 * before the first read. A deferred BEGIN that reads, then writes after another process committed,
 * fails at once with SQLITE_BUSY whatever the busy timeout (WORKERS > 1, or a CLI beside the server).
 */
function beginImmediately(orm: MikroORM): void {
  const client = (orm.em as unknown as SqlEntityManager).getKnex().client as {
    transaction(...args: unknown[]): KnexTransaction;
  };
  const create = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = create(...args);
    // begin() runs a tick later, once the connection is acquired; savepoints (nested) are unchanged.
    trx.begin = (connection) => trx.query(connection, 'BEGIN IMMEDIATE;');
    return trx;
  };
}

/** Applies pending migrations; real migration files only, never schema sync at boot. */
// Any constant: it names the one advisory lock authql processes queue on while migrating.
const MIGRATION_LOCK = 7_264_581_930;

/**
 * Applies pending migrations; real migration files only, never schema sync at boot. On PostgreSQL,
 * processes starting together queue on an advisory lock, so exactly one of them migrates.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  if (await nothingPending(orm)) return [];
  const migrator = await loadMigrator(orm);
  const run = async () => (await migrator.up()).map((m) => m.name);
  if (!isPostgres(orm.em)) return run();
  // The lock lives in its own transaction and is released when that transaction ends.
  return (orm.em as unknown as SqlEntityManager).getKnex().transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    return run();
  });
}

/**
 * True when every migration is recorded as executed: the usual start-up, answered by one query
 * without loading the migrator. Any error answers false, and the migrator then decides.
 */
async function nothingPending(orm: MikroORM): Promise<boolean> {
  try {
    const rows = (await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE}`)) as {
      name: string;
    }[];
    return allApplied(
      isPostgres(orm.em) ? 'postgresql' : 'sqlite',
      rows.map((r) => r.name),
    );
  } catch {
    return false;
  }
}

/**
 * The migrator, loaded on first use: umzug and its CLI cost a fifth of a start-up, and cluster
 * workers (whose primary migrates) never need them.
 */
export async function loadMigrator(orm: MikroORM): Promise<Migrator> {
  const { Migrator: MigratorClass } = await import('@mikro-orm/migrations');
  if (!orm.config.getExtension('@mikro-orm/migrator')) {
    const options = orm.config.get('migrations');
    if (!options.migrationsList) {
      const driver = isPostgres(orm.em) ? 'postgresql' : 'sqlite';
      orm.config.set('migrations', { ...options, migrationsList: await migrationsOf(driver) });
    }
    MigratorClass.register(orm);
  }
  return orm.getMigrator() as Migrator;
}
