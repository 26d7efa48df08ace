import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseConfig } from './database.config';

// MikroORM's default: authql does not rename its migrations table.
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';
const MIGRATION_FILE = /^(Migration\d+)\.[jt]s$/;

/**
 * True when every migration file of the dialect's folder is among `executed`. Conservative: a file
 * the table does not list (even one missing from the folder's index.ts) answers false, and the
 * migrator then decides from its own list.
 */
export function allApplied(driver: DatabaseConfig['driver'], executed: Iterable<string>): boolean {
  const folder = join(__dirname, '..', 'migrations', driver);
  const files = readdirSync(folder).flatMap((f) => MIGRATION_FILE.exec(f)?.[1] ?? []);
  const done = new Set(executed);
  return files.length > 0 && files.every((name) => done.has(name));
}

/**
 * Whether a SQLite database is fully migrated, read with the bare driver: a cluster primary answers
 * the usual "nothing to do" without loading the ORM (about a sixth of a WORKERS=auto start-up, taken
 * from the workers starting beside it on the same cores). False on any doubt (no file, no table).
 */
export async function sqliteUpToDate(path: string): Promise<boolean> {
  const { default: sqlite3 } = await import('sqlite3');
  return new Promise((resolve) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => {
      if (err) return resolve(false);
      db.all<{ name: string }>(`select name from ${MIGRATIONS_TABLE}`, (err, rows) => {
        db.close();
        try {
          resolve(
            !err &&
              allApplied(
                'sqlite',
                rows.map((r) => r.name),
              ),
          );
        } catch {
          resolve(false);
        }
      });
    });
  });
}
