import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { loadConfig, type Config } from '../../src/config';
import { openDatabase } from '../../src/database/orm';
import { createDatabase, TEST_SECRET } from './server';

/**
 * A fresh database (a SQLite file, or a new PostgreSQL database under AUTHQL_TEST_POSTGRES), opened
 * and not yet migrated, for tests of the migrations themselves; closed and removed after `run`.
 */
export async function withFreshDatabase(
  run: (orm: MikroORM, config: Config) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'authql-fresh-db-'));
  const database = await createDatabase(dir, { empty: true });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_SECRET,
  });
  const orm = await openDatabase(config, () => {});
  try {
    await run(orm, config);
  } finally {
    await orm.close(true);
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
