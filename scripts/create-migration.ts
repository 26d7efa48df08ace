import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { loadMigrator, migrate, openDatabase } from '../src/database/orm';

/** Dev tool: `npm run migration:create` (SQLite) or with DATABASE_URL=postgresql://... for PostgreSQL. */
async function main() {
  const orm = await openDatabase(loadConfig());
  try {
    await migrate(orm);
    const result = await (await loadMigrator(orm)).createMigration(undefined, false, false);
    console.log(
      result.fileName
        ? `created ${result.fileName}: add it to the index.ts beside it, write the other ` +
            "dialect's twin under the same name, and once both are final run npm run migrations:freeze"
        : 'no changes',
    );
  } finally {
    await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
