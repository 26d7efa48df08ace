import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverException } from '@mikro-orm/core';
import sqlite3 from 'sqlite3';
import { errorFields } from '../src/errors';
import {
  CHANGE_PASSWORD,
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REQUEST_RESET,
  SIGN_IN,
  signIn,
  sleep,
} from './helpers/flows';
import { freePort } from './helpers/inbox';
import { captureLog } from './helpers/log';
import { PRODUCTION_ENV } from './helpers/production';
import { createDatabase, startTestServer } from './helpers/server';
import { TcpProxy } from './helpers/tcp-proxy';

// Finding 6: nothing a database driver says (SQL, values, hashes) reaches a response or a log line.
const sqliteOnly = process.env.AUTHQL_TEST_POSTGRES ? describe.skip : describe;

/** A second connection holding the write lock, as another process in the middle of a write would. */
async function lockDatabase(path: string): Promise<() => Promise<void>> {
  const db = new sqlite3.Database(path);
  await new Promise<void>((resolve, reject) =>
    db.exec('BEGIN IMMEDIATE', (err) => (err ? reject(err) : resolve())),
  );
  return () => new Promise<void>((resolve) => db.exec('ROLLBACK', () => db.close(() => resolve())));
}

sqliteOnly.each(['production', 'development'])('a locked database in %s mode', (mode) => {
  it('answers a masked INTERNAL_SERVER_ERROR and logs no SQL, value or hash', async () => {
    const { logger, lines } = captureLog('info');
    // The write gives up on the held lock after SQLITE_BUSY_TIMEOUT (5 s unless told).
    const server = await startTestServer(
      { NODE_ENV: mode, BCRYPT_COST: '10', SQLITE_BUSY_TIMEOUT: '300ms' },
      { logger },
    );
    try {
      const user = await createActiveUser(server);
      const { accessToken } = await signIn(server, user.email);
      const unlock = await lockDatabase(server.databaseUrl.slice('sqlite:'.length));
      let res;
      try {
        res = await server.gql(
          CHANGE_PASSWORD,
          { currentPassword: PASSWORD, newPassword: 'another long passphrase 7' },
          { token: accessToken },
        );
      } finally {
        await unlock();
      }
      expect(res.errors?.[0]).toMatchObject({
        message: 'Internal server error.',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
      // Development answers carry stack frames, whose source paths (src/users/…) are code, not data:
      // the message line of the trace and everything else must carry no SQL, value or hash.
      const body = JSON.stringify(res, (key, value: unknown) =>
        key === 'stacktrace' ? (value as string[]).filter((l) => !/^\s+at /.test(l)) : value,
      );
      for (const leak of ['update', 'users', '$2b$', 'password_hash', 'SQLITE_BUSY'])
        expect(body).not.toContain(leak);
      const log = lines.join('');
      for (const leak of ['update', '$2b$', 'password_hash', 'set `', 'set "'])
        expect(log).not.toContain(leak);
      // The log still says what failed and where.
      const line = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'unexpected error');
      expect(line).toMatchObject({ operation: 'changePassword', errorClass: expect.any(String) });
    } finally {
      await server.close();
    }
  }, 30_000);
});

// Finding 11: a PostgreSQL connection cut mid-query. knex prefixes the SQL (with its values) to the
// driver's message, and pg's "Connection terminated" is a plain Error with no driver fields.
const postgresOnly = process.env.AUTHQL_TEST_POSTGRES ? describe : describe.skip;

postgresOnly('a PostgreSQL cut', () => {
  it('logs the error class and the operation, never SQL or values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authql-cut-'));
    const database = await createDatabase(dir);
    const target = new URL(database.url);
    const proxy = new TcpProxy(await freePort(), {
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    await proxy.up();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const { logger, lines } = captureLog('info');
    const server = await startTestServer(
      { ...PRODUCTION_ENV, DATABASE_URL: viaProxy.toString(), SESSION_CACHE_TTL: '1ms' },
      { logger },
    );
    try {
      const user = await createActiveUser(server);
      const { accessToken } = await signIn(server, user.email);
      // Cut while queries are in flight, then send more into the dead pool.
      const during = [
        server.gql(ME, {}, { token: accessToken }),
        server.gql(SIGN_IN, { email: user.email, password: PASSWORD }),
        server.gql(REQUEST_RESET, { email: user.email }),
      ];
      await proxy.down();
      const answers = await Promise.all([
        ...during,
        server.gql(ME, {}, { token: accessToken }),
        server.gql(SIGN_IN, { email: user.email, password: PASSWORD }),
        server.gql(
          CHANGE_PASSWORD,
          { currentPassword: PASSWORD, newPassword: 'another long passphrase 7' },
          { token: accessToken },
        ),
      ]);
      await sleep(500);
      expect(answers.some((a) => codeOf(a) === 'INTERNAL_SERVER_ERROR')).toBe(true);
      const log = lines.join('');
      for (const leak of [/select /i, /insert into/i, /update "/i, / from "/i, user.email, '$2b$'])
        expect(log).not.toMatch(leak);
      const failures = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'unexpected error');
      expect(failures.length).toBeGreaterThan(0);
      for (const line of failures)
        expect(line).toMatchObject({
          operation: expect.any(String),
          errorClass: expect.any(String),
        });
    } finally {
      await proxy.up();
      await server.close();
      await proxy.down();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

// The shapes a database error reaches a log line in (each seen from knex, pg, MikroORM or graphql-js).
describe('errorFields', () => {
  const sql = `select u.id, u.email from sessions s join users u on u.id = s.user_id where s.id = 'f7f0' and u.email = 'who@example.com'`;
  /** What knex makes of pg's "Connection terminated unexpectedly": a plain Error, SQL and values first. */
  const knexCut = () => {
    const err = new Error('Connection terminated unexpectedly');
    err.message = `${sql} - ${err.message}`;
    return err;
  };
  const shapes: Array<[string, () => unknown]> = [
    ['a plain Error knex prefixed with its SQL', knexCut],
    ['MikroORM wrapping it', () => new DriverException(knexCut())],
    ['a wrapper whose cause is one', () => new Error('session check failed', { cause: knexCut() })],
    [
      'a wrapper that copied its message',
      () => new Error(`session check failed: ${knexCut().message}`),
    ],
    ['an AggregateError of them', () => new AggregateError([knexCut()], 'connect failed')],
    [
      'graphql-js around a thrown driver object',
      () => {
        const wrapped = new Error(`Unexpected error value: { errno: -111, address: "10.0.0.5" }`);
        wrapped.name = 'NonErrorThrown';
        return Object.assign(wrapped, { thrownValue: { errno: -111, code: 'ECONNREFUSED' } });
      },
    ],
  ];

  it.each(shapes)('logs only the classes and the code of %s', (_name, make) => {
    const fields = errorFields(make());
    const text = JSON.stringify(fields);
    for (const leak of ['select', 'who@example.com', 'sessions', '10.0.0.5'])
      expect(text).not.toContain(leak);
    expect(fields).toEqual({
      errorClass: expect.any(String),
      ...('errorCode' in fields ? { errorCode: 'ECONNREFUSED' } : {}),
      ...('causes' in fields ? { causes: expect.any(Array) } : {}),
    });
  });

  it('keeps the message and stack of errors that are not the database', () => {
    expect(errorFields(new TypeError('x is not a function'))).toMatchObject({
      errorClass: 'TypeError',
      errorMessage: 'x is not a function',
      stack: expect.any(Array),
    });
  });

  it('serializes `err` fields of every log line the same way', () => {
    const { logger, lines } = captureLog('info');
    logger.error({ err: knexCut() }, 'oauth flow error');
    logger.error(new DriverException(knexCut()), 'failed');
    expect(lines.join('')).not.toContain('select');
    expect(lines.join('')).toContain('"errorClass":"DriverException"');
  });
});
