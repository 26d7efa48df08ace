// The migrated database that test databases are copied from: a SQLite file, or a PostgreSQL database
// used only as a TEMPLATE. Plain JavaScript: jest's global setup loads it without a transform.
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');
const { URL } = require('node:url');

async function withAdmin(adminUrl, sql) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `name` is the SQLite file's path or the PostgreSQL database's name. */
async function createTemplate(dir, postgresAdminUrl) {
  if (!postgresAdminUrl) {
    const path = join(dir, 'template.sqlite');
    return {
      name: path,
      url: `sqlite:${path}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `authql_template_${process.pid}_${Date.now().toString(36)}`;
  await withAdmin(postgresAdminUrl, `create database "${name}"`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withAdmin(postgresAdminUrl, `drop database if exists "${name}" with (force)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { createTemplate, withAdmin };
