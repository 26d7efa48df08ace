import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteUpToDate } from '../src/database/migration-check';
import { loadMigrator, migrate } from '../src/database/orm';
import { withFreshDatabase } from './helpers/fresh-database';

// A start-up skips the migrator when every migration is recorded as executed: it must never skip one
// that is not (the cluster primary's bare-driver check and migrate()'s own check alike).
describe('the "nothing to migrate" check of a start-up', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'authql-migration-check-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies a migration recorded as pending, and skips only when none is', async () => {
    expect(await sqliteUpToDate(join(dir, 'no-such-file.sqlite'))).toBe(false);
    await withFreshDatabase(async (orm, config) => {
      const sqlitePath = config.database.driver === 'sqlite' ? config.database.path : null;
      const migrator = await loadMigrator(orm);
      const all = (await migrator.getPendingMigrations()).map((m) => m.name);
      const last = all[all.length - 1]!;
      await migrator.up({ to: all[all.length - 2]! });
      if (sqlitePath) expect(await sqliteUpToDate(sqlitePath)).toBe(false);
      expect(await migrate(orm)).toEqual([last]);
      if (sqlitePath) expect(await sqliteUpToDate(sqlitePath)).toBe(true);
      expect(await migrate(orm)).toEqual([]);
    });
  });
});
