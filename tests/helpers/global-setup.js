// Once per jest run, before any worker starts: build the server that process tests spawn, and migrate
// one template database that every test database is copied from (a copy takes milliseconds; running
// every migration again took 0.4 s per server on SQLite and 1.9 s on PostgreSQL). The migrations
// themselves are still run from empty by the tests about them (withFreshDatabase) and by `npm start`
// tests that ask for an empty database.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  require('../../scripts/build-if-needed').ensureBuilt();
  require('reflect-metadata');
  const { loadConfig } = require('../../dist/src/config');
  const { migrate, openDatabase } = require('../../dist/src/database/orm');
  const { createTemplate } = require('./template-database');
  const dir = mkdtempSync(join(tmpdir(), 'authql-template-'));
  const template = await createTemplate(dir, process.env.AUTHQL_TEST_POSTGRES);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_URL: template.url,
    JWT_SECRET: 'template-database-secret-0123456789abcdef',
  });
  const orm = await openDatabase(config, () => {});
  try {
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
  // Workers are started after this and inherit the environment.
  process.env.AUTHQL_TEST_TEMPLATE = template.name;
  globalThis.authqlTemplate = template;
};
