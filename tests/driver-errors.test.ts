import sqlite3 from 'sqlite3';
import { CHANGE_PASSWORD, createActiveUser, PASSWORD, signIn } from './helpers/flows';
import { captureLog } from './helpers/log';
import { startTestServer } from './helpers/server';

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
    const server = await startTestServer({ NODE_ENV: mode, BCRYPT_COST: '10' }, { logger });
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
