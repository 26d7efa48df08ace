import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { migrate, openDatabase } from '../src/database/orm';

/** `npm run migrate`: applies pending migrations without starting the server. */
async function main() {
  const orm = await openDatabase(loadConfig());
  try {
    const applied = await migrate(orm);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await orm.close(true);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
