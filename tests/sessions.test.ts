import {
  codeOf,
  createActiveUser,
  ME,
  REFRESH,
  REVOKE_SESSION,
  SESSIONS,
  SIGN_IN,
  SIGN_OUT,
  SIGN_OUT_EVERYWHERE,
  signIn,
  sleep,
  PASSWORD,
} from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const meWorks = async (s: TestServer, token: string) =>
  (await s.gql(ME, {}, { token })).errors === undefined;

describe('signOut', () => {
  it('ends the current session at once: its access and refresh tokens stop working, others do not', async () => {
    const user = await createActiveUser(server);
    const a = await signIn(server, user.email);
    const b = await signIn(server, user.email);
    expect(await meWorks(server, a.accessToken)).toBe(true);
    const res = await server.gql(SIGN_OUT, {}, { token: a.accessToken });
    expect(res.data).toEqual({ signOut: true });
    expect(codeOf(await server.gql(ME, {}, { token: a.accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(REFRESH, { refreshToken: a.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
    expect(await meWorks(server, b.accessToken)).toBe(true);
  });

  it('needs a signed-in caller', async () => {
    expect(codeOf(await server.gql(SIGN_OUT))).toBe('UNAUTHENTICATED');
  });
});

describe('sessions', () => {
  it('lists live sessions with the current one marked, user agent and IP recorded', async () => {
    const user = await createActiveUser(server);
    const phone = await server.gql(
      SIGN_IN,
      { email: user.email, password: PASSWORD },
      { headers: { 'user-agent': 'PhoneApp/1.0' } },
    );
    const laptop = await server.gql(
      SIGN_IN,
      { email: user.email, password: PASSWORD },
      { headers: { 'user-agent': 'Laptop/2.0' } },
    );
    const ended = await signIn(server, user.email);
    await server.gql(SIGN_OUT, {}, { token: ended.accessToken });
    const res = await server.gql(SESSIONS, {}, { token: laptop.data!.signIn.accessToken });
    expect(res.errors).toBeUndefined();
    const sessions = res.data!.sessions as Array<Record<string, unknown>>;
    expect(sessions).toHaveLength(2);
    const current = sessions.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({
      userAgent: 'Laptop/2.0',
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(sessions.find((s) => !s.current)).toMatchObject({ userAgent: 'PhoneApp/1.0' });
    expect(phone.errors).toBeUndefined();
  });
});

describe('signOutEverywhere', () => {
  it('ends every session of the user, the current one included, and no one else’s', async () => {
    const user = await createActiveUser(server);
    const other = await createActiveUser(server);
    const a = await signIn(server, user.email);
    const b = await signIn(server, user.email);
    const c = await signIn(server, other.email);
    expect((await server.gql(SIGN_OUT_EVERYWHERE, {}, { token: a.accessToken })).data).toEqual({
      signOutEverywhere: true,
    });
    for (const t of [a, b]) {
      expect(codeOf(await server.gql(ME, {}, { token: t.accessToken }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await server.gql(REFRESH, { refreshToken: t.refreshToken }))).toBe(
        'INVALID_TOKEN',
      );
    }
    expect(await meWorks(server, c.accessToken)).toBe(true);
  });
});

describe('revokeSession', () => {
  it('ends one of the caller’s own sessions', async () => {
    const user = await createActiveUser(server);
    const a = await signIn(server, user.email);
    const b = await signIn(server, user.email);
    const list = (await server.gql(SESSIONS, {}, { token: a.accessToken })).data!
      .sessions as Array<{ id: string; current: boolean }>;
    const other = list.find((s) => !s.current)!;
    // b in use: its session is held live in this process's cache, which the revocation must end too.
    expect(await meWorks(server, b.accessToken)).toBe(true);
    expect(
      (await server.gql(REVOKE_SESSION, { id: other.id }, { token: a.accessToken })).data,
    ).toEqual({ revokeSession: true });
    expect(codeOf(await server.gql(ME, {}, { token: b.accessToken }))).toBe('UNAUTHENTICATED');
    expect(await meWorks(server, a.accessToken)).toBe(true);
    // Revoking it again: it is no longer live.
    expect(
      codeOf(await server.gql(REVOKE_SESSION, { id: other.id }, { token: a.accessToken })),
    ).toBe('BAD_USER_INPUT');
  });

  it('refuses another user’s session id (and never revokes it), and unknown or malformed ids alike', async () => {
    const alice = await createActiveUser(server);
    const mallory = await createActiveUser(server);
    const aliceTokens = await signIn(server, alice.email);
    const malloryTokens = await signIn(server, mallory.email);
    const aliceSession = (
      (await server.gql(SESSIONS, {}, { token: aliceTokens.accessToken })).data!.sessions as any[]
    )[0].id;
    const attempts = [aliceSession, '00000000-0000-4000-8000-000000000000', 'not-an-id'];
    const answers = [];
    for (const id of attempts) {
      const res = await server.gql(REVOKE_SESSION, { id }, { token: malloryTokens.accessToken });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      answers.push(res.errors![0]!.message);
    }
    expect(new Set(answers).size).toBe(1);
    expect(await meWorks(server, aliceTokens.accessToken)).toBe(true);
    expect(
      (await server.gql(REFRESH, { refreshToken: aliceTokens.refreshToken })).errors,
    ).toBeUndefined();
  });
});

describe('a second process on the same database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ SESSION_CACHE_TTL: '500ms' });
    b = await startTestServer({ SESSION_CACHE_TTL: '500ms', DATABASE_URL: a.databaseUrl });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('accepts tokens minted by the first, and refuses them within SESSION_CACHE_TTL of a sign-out there', async () => {
    const user = await createActiveUser(a);
    const tokens = await signIn(a, user.email);
    expect(await meWorks(b, tokens.accessToken)).toBe(true);
    await a.gql(SIGN_OUT, {}, { token: tokens.accessToken });
    expect(codeOf(await a.gql(ME, {}, { token: tokens.accessToken }))).toBe('UNAUTHENTICATED');
    await sleep(700);
    expect(codeOf(await b.gql(ME, {}, { token: tokens.accessToken }))).toBe('UNAUTHENTICATED');
  });
});
