import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  compare,
  currentChecksums,
  DIALECTS,
  type Dialect,
  MANIFEST_FILE,
  MIGRATION_FILE,
  MIGRATIONS_DIR,
  migrationFiles,
  readManifest,
} from '../scripts/migration-manifest';

// MikroORM records a migration by name once it has run: a landed migration that changes never
// reaches the databases that ran it, and one that is renamed runs a second time there. File reads
// only, no database.
const ROOT = resolve(__dirname, '..');

/**
 * The one twin pair whose names differ across dialects: the mail outbox, generated a second apart
 * for each. Both names are recorded in the migrations table of every database that ran them, so
 * renaming either would run it again there (and fail: the table exists). Frozen as it is.
 */
const TWIN_EXCEPTIONS: Record<string, string> = {
  'sqlite/Migration20261127152244': 'postgresql/Migration20261127152245',
};

function expectNone(problems: string[], advice: string): void {
  if (problems.length) throw new Error(`${problems.join('\n')}\n\n${advice}`);
}

function names(dialect: Dialect): string[] {
  return migrationFiles(ROOT, dialect).map((f) => f.replace(/\.ts$/, ''));
}

describe('frozen migrations', () => {
  const comparison = compare(readManifest(ROOT), currentChecksums(ROOT));

  it('no landed migration is edited', () => {
    expectNone(
      comparison.changed.map((k) => `${MIGRATIONS_DIR}/${k} changed after it landed.`),
      'A landed migration is never edited: the databases that already ran it will not run it ' +
        'again. Restore it as it is on main and make the change in a new migration ' +
        '(npm run migration:create). A migration of this branch that has not landed yet may ' +
        `change: delete its line from ${MANIFEST_FILE} and freeze it again.`,
    );
  });

  it('no landed migration is deleted or renamed', () => {
    expectNone(
      comparison.missing.map(
        (k) => `${MIGRATIONS_DIR}/${k} landed and is gone (deleted or renamed).`,
      ),
      'A landed migration keeps its name: MikroORM records migrations by name, so a renamed one ' +
        'runs again on every database that already ran it. Restore it under its name and make ' +
        'the change in a new migration (npm run migration:create).',
    );
  });

  it('every migration is frozen', () => {
    expectNone(
      comparison.unfrozen.map((k) => `${MIGRATIONS_DIR}/${k} is not frozen.`),
      `Once the migration is final, run \`npm run migrations:freeze\`: it appends its checksum ` +
        `to ${MANIFEST_FILE}. Commit that file with the migration.`,
    );
  });

  it.each(DIALECTS)(
    '%s/index.ts lists exactly the migration files of its folder, in name order',
    (dialect) => {
      const folder = join(ROOT, MIGRATIONS_DIR, dialect);
      const problems = readdirSync(folder)
        .filter((f) => f !== 'index.ts' && !MIGRATION_FILE.test(f))
        .map((f) => `${f} is not named like a migration (MigrationYYYYMMDDhhmmss.ts).`);
      const index = readFileSync(join(folder, 'index.ts'), 'utf8');
      const imported = new Map(
        [...index.matchAll(/^import \{ (\w+) \} from '\.\/(\w+)';$/gm)].map((m) => [m[1]!, m[2]!]),
      );
      const listed = [...index.matchAll(/\{ name: '(\w+)', class: (\w+) \}/g)].map((m) => {
        if (imported.get(m[2]!) !== m[1]) {
          problems.push(`${m[1]} is listed with a class that is not imported from './${m[1]}'.`);
        }
        return m[1]!;
      });
      const files = names(dialect);
      for (const name of files.filter((n) => !listed.includes(n)))
        problems.push(`${name} is not listed.`);
      for (const name of listed.filter((n) => !files.includes(n))) {
        problems.push(`${name} is listed but has no file.`);
      }
      if (problems.length === 0 && listed.join() !== files.join()) {
        problems.push(`The list is not in name order (or lists one twice): ${listed.join(', ')}.`);
      }
      expectNone(
        problems,
        `${MIGRATIONS_DIR}/${dialect}/index.ts must list each migration file of its folder once, in ` +
          `name order, as { name: 'MigrationN', class: MigrationN } imported from './MigrationN': ` +
          'MikroORM runs exactly that list, in that order.',
      );
    },
  );

  it('every migration has a twin of the same name in the other dialect', () => {
    const exceptions = Object.entries(TWIN_EXCEPTIONS);
    const pgTwin = (k: string) => TWIN_EXCEPTIONS[k] ?? k.replace(/^sqlite\//, 'postgresql/');
    const sqliteTwin = (k: string) =>
      exceptions.find(([, pg]) => pg === k)?.[0] ?? k.replace(/^postgresql\//, 'sqlite/');
    const sqlite = names('sqlite').map((n) => `sqlite/${n}`);
    const postgresql = names('postgresql').map((n) => `postgresql/${n}`);
    expectNone(
      [
        ...sqlite.filter((k) => !postgresql.includes(pgTwin(k))),
        ...postgresql.filter((k) => !sqlite.includes(sqliteTwin(k))),
      ].map((k) => `${k} has no twin ${k.startsWith('sqlite/') ? pgTwin(k) : sqliteTwin(k)}.`),
      'Each schema change is one migration per dialect under the same name (migration:create ' +
        'writes one dialect; write the other by hand and name it alike).',
    );
  });
});
