import { resolve } from 'node:path';
import { freezeNew, MANIFEST_FILE } from './migration-manifest';

/**
 * `npm run migrations:freeze`: records the checksum of each migration not frozen yet in
 * src/migrations/frozen.json. Run it once a migration is final, and commit the manifest with it.
 */
try {
  const added = freezeNew(resolve(__dirname, '..', '..'));
  console.log(
    added.length
      ? `froze ${added.join(', ')} in ${MANIFEST_FILE}: commit it with the migrations`
      : 'nothing to freeze: every migration is recorded',
  );
} catch (err: unknown) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
