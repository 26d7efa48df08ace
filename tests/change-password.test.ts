import {
  CHANGE_PASSWORD,
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REFRESH,
  SIGN_IN,
  signIn,
} from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

const NEW_PASSWORD = 'a brand new passphrase';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('changePassword', () => {
  it('keeps the current session, ends all the others, and mails a notice', async () => {
    const user = await createActiveUser(server);
    const current = await signIn(server, user.email);
    const other = await signIn(server, user.email);
    // The other session in use: held live in this process's cache, which the change must end too.
    expect((await server.gql(ME, {}, { token: other.accessToken })).errors).toBeUndefined();
    const res = await server.gql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      { token: current.accessToken },
    );
    expect(res.body).toEqual({ data: { changePassword: true } });
    expect((await server.gql(ME, {}, { token: current.accessToken })).errors).toBeUndefined();
    expect(
      (await server.gql(REFRESH, { refreshToken: current.refreshToken })).errors,
    ).toBeUndefined();
    expect(codeOf(await server.gql(ME, {}, { token: other.accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(REFRESH, { refreshToken: other.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    await signIn(server, user.email, NEW_PASSWORD);
    expect((await server.inbox.waitFor(user.email, 2)).subject).toMatch(/password was changed/i);
  });

  it('refuses a wrong current password with UNAUTHENTICATED and changes nothing', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const res = await server.gql(
      CHANGE_PASSWORD,
      { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD },
      { token: accessToken },
    );
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect((await server.gql(ME, {}, { token: accessToken })).errors).toBeUndefined();
    await signIn(server, user.email, PASSWORD);
  });

  it('applies the password policy to the new password', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    for (const weak of ['short', 'iloveyou', user.email, PASSWORD]) {
      const res = await server.gql(
        CHANGE_PASSWORD,
        { currentPassword: PASSWORD, newPassword: weak },
        { token: accessToken },
      );
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
    await signIn(server, user.email, PASSWORD);
  });

  it('needs a signed-in caller', async () => {
    const res = await server.gql(CHANGE_PASSWORD, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});
