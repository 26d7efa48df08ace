import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The frozen-migrations manifest: the sha256 of every migration that has landed, keyed by
 * `<dialect>/<file>`. Shared by `npm run migrations:freeze` and tests/migrations-frozen.test.ts, so
 * both hash a file the same way.
 */
export const DIALECTS = ['sqlite', 'postgresql'] as const;
export type Dialect = (typeof DIALECTS)[number];

export const MIGRATIONS_DIR = join('src', 'migrations');
export const MANIFEST_FILE = join(MIGRATIONS_DIR, 'frozen.json');
export const MIGRATION_FILE = /^Migration\d+\.ts$/;

const ABOUT =
  'sha256 (LF line endings) of every migration that has landed. tests/migrations-frozen.test.ts ' +
  'fails when one changes, disappears or is renamed; `npm run migrations:freeze` appends new ' +
  'migrations and never rewrites an entry.';

export interface Manifest {
  about: string;
  migrations: Record<string, string>;
}

/** Line endings only: a checkout with CRLF hashes alike, any other edit (even formatting) does not. */
export function checksum(contents: string): string {
  return createHash('sha256').update(contents.replace(/\r\n?/g, '\n')).digest('hex');
}

/** The migration files of a dialect's folder, in name order (the order MikroORM runs them in). */
export function migrationFiles(root: string, dialect: Dialect): string[] {
  return readdirSync(join(root, MIGRATIONS_DIR, dialect))
    .filter((f) => MIGRATION_FILE.test(f))
    .sort();
}

/** `<dialect>/<file>` → checksum, for every migration file on disk. */
export function currentChecksums(root: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const dialect of DIALECTS) {
    for (const file of migrationFiles(root, dialect)) {
      const key = `${dialect}/${file}`;
      sums.set(key, checksum(readFileSync(join(root, MIGRATIONS_DIR, key), 'utf8')));
    }
  }
  return sums;
}

export function readManifest(root: string): Manifest {
  const path = join(root, MANIFEST_FILE);
  if (!existsSync(path)) return { about: ABOUT, migrations: {} };
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

export interface Comparison {
  /** Frozen, and the file's contents differ. */
  changed: string[];
  /** Frozen, and no file has that name any more (deleted or renamed). */
  missing: string[];
  /** On disk, not frozen yet. */
  unfrozen: string[];
}

export function compare(manifest: Manifest, current: Map<string, string>): Comparison {
  const frozen = Object.entries(manifest.migrations);
  return {
    changed: frozen.filter(([k, sum]) => current.has(k) && current.get(k) !== sum).map(([k]) => k),
    missing: frozen.filter(([k]) => !current.has(k)).map(([k]) => k),
    unfrozen: [...current.keys()].filter((k) => !(k in manifest.migrations)).sort(),
  };
}

/**
 * Appends the checksums of the migrations not frozen yet; existing entries are kept as they are.
 * Refuses (writes nothing) while a frozen migration is changed or missing: freezing must never
 * hide an edit to one that has landed. Returns the keys it added.
 */
export function freezeNew(root: string): string[] {
  const manifest = readManifest(root);
  const current = currentChecksums(root);
  const { changed, missing, unfrozen } = compare(manifest, current);
  if (changed.length || missing.length) {
    throw new Error(
      [
        ...changed.map((k) => `${k} changed after it landed`),
        ...missing.map((k) => `${k} landed and is gone (deleted or renamed)`),
        'Restore them as they landed and put the change in a new migration; nothing was frozen.',
      ].join('\n'),
    );
  }
  if (unfrozen.length === 0) return [];
  const migrations = { ...manifest.migrations };
  for (const key of unfrozen) migrations[key] = current.get(key)!;
  const next: Manifest = { about: manifest.about || ABOUT, migrations };
  writeFileSync(join(root, MANIFEST_FILE), JSON.stringify(next, null, 2) + '\n');
  return unfrozen;
}
