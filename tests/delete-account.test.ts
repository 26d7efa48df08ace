import {
  codeOf,
  createActiveUser,
  DELETE_ACCOUNT,
  ME,
  PASSWORD,
  REFRESH,
  SIGN_IN,
  signIn,
} from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const count = async (table: string, userId: string) => {
  const column = table === 'users' ? 'id' : 'user_id';
  const rows = await server.app.orm.em
    .fork()
    .getConnection()
    .execute(`select count(*) as n from ${table} where ${column} = ?`, [userId]);
  return Number(rows[0].n);
};

describe('deleteAccount', () => {
  it('removes the user with all sessions and tokens; their tokens stop at once; the address can sign up again', async () => {
    const user = await createActiveUser(server);
    const a = await signIn(server, user.email);
    const b = await signIn(server, user.email);
    const res = await server.gql(DELETE_ACCOUNT, { password: PASSWORD }, { token: a.accessToken });
    expect(res.body).toEqual({ data: { deleteAccount: true } });
    for (const t of [a, b]) {
      expect(codeOf(await server.gql(ME, {}, { token: t.accessToken }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await server.gql(REFRESH, { refreshToken: t.refreshToken }))).toBe(
        'INVALID_TOKEN',
      );
    }
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    for (const table of ['users', 'sessions', 'one_time_tokens'])
      expect(await count(table, user.id)).toBe(0);
    expect((await server.inbox.waitFor(user.email, 2)).subject).toMatch(/deleted/i);
    const again = await createActiveUser(server, user.email, 'a fresh start passphrase');
    expect(again.id).not.toBe(user.id);
  });

  it('refuses a wrong password with UNAUTHENTICATED and deletes nothing', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    expect(
      codeOf(
        await server.gql(DELETE_ACCOUNT, { password: 'wrong wrong wrong' }, { token: accessToken }),
      ),
    ).toBe('UNAUTHENTICATED');
    expect((await server.gql(ME, {}, { token: accessToken })).errors).toBeUndefined();
    expect(await count('users', user.id)).toBe(1);
  });

  it('needs a signed-in caller', async () => {
    expect(codeOf(await server.gql(DELETE_ACCOUNT, { password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
  });
});
