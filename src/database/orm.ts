import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Options } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import type { Config } from '../config';
import { RATE_LIMIT_TABLE } from '../limits/stores';
import { OneTimeToken } from '../tokens/one-time-token.entity';
import { Session } from '../sessions/session.entity';
import { User } from '../users/user.entity';
import { postgresqlMigrations } from '../migrations/postgresql';
import { sqliteMigrations } from '../migrations/sqlite';

export const ENTITIES = [User, Session, OneTimeToken];

/** One ORM configuration for both drivers; migrations are listed per dialect (their SQL differs). */
export function createOrmConfig(config: Config, log?: (message: string) => void): Options {
  const common = {
    ...(log ? { logger: log } : {}),
    entities: ENTITIES,
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    // Owned by rate-limiter-flexible (created by a migration): a generated migration must not drop it.
    schemaGenerator: { skipTables: [RATE_LIMIT_TABLE] },
  } satisfies Options;
  if (config.database.driver === 'sqlite') {
    return {
      ...common,
      driver: SqliteDriver,
      dbName: config.database.path,
      migrations: {
        migrationsList: sqliteMigrations,
        path: 'src/migrations/sqlite',
        emit: 'ts',
        snapshot: false,
        transactional: true,
        allOrNothing: true,
      },
    } as Options;
  }
  return {
    ...common,
    driver: PostgreSqlDriver,
    clientUrl: config.database.url,
    pool: { min: 0, max: 10 },
    migrations: {
      migrationsList: postgresqlMigrations,
      path: 'src/migrations/postgresql',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
    },
  } as Options;
}

export async function openDatabase(
  config: Config,
  log?: (message: string) => void,
): Promise<MikroORM> {
  if (config.database.driver === 'sqlite' && config.database.path !== ':memory:') {
    mkdirSync(dirname(config.database.path), { recursive: true });
  }
  return MikroORM.init(createOrmConfig(config, log));
}

/** Applies pending migrations; real migration files only, never schema sync at boot. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
