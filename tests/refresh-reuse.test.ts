import { codeOf, createActiveUser, ME, REFRESH, signIn, type Tokens } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

const refresh = (s: TestServer, refreshToken: string) =>
  s.gql<{ refreshToken: Tokens }>(REFRESH, { refreshToken });
const REUSE_SUBJECT = 'A sign-in session was ended for your safety';

// Finding 8: reuse detection must cover every rotated ancestor, not only the last one.
describe('a rotated ancestor presented again', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REFRESH_REUSE_GRACE: '1s' });
  });
  afterAll(() => server.close());

  it('R0 -> R1 -> R2, then R0: revokes the session, mails the owner, and R2 stops working', async () => {
    const user = await createActiveUser(server);
    const r0 = await signIn(server, user.email);
    const r1 = (await refresh(server, r0.refreshToken)).data!.refreshToken;
    const r2 = (await refresh(server, r1.refreshToken)).data!.refreshToken;
    const mailsBefore = server.inbox.for(user.email).length;
    // R2's access token in use: its session is held live in this process's cache until revoked.
    expect((await server.gql(ME, {}, { token: r2.accessToken })).errors).toBeUndefined();

    expect(codeOf(await refresh(server, r0.refreshToken))).toBe('INVALID_TOKEN');
    const mail = await server.inbox.waitFor(user.email, mailsBefore + 1);
    expect(mail.subject).toBe(REUSE_SUBJECT);
    expect(codeOf(await refresh(server, r2.refreshToken))).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(ME, {}, { token: r2.accessToken }))).toBe('UNAUTHENTICATED');
  });

  it('traces an ancestor five rotations back', async () => {
    const user = await createActiveUser(server);
    const first = await signIn(server, user.email);
    let current = first;
    for (let i = 0; i < 5; i++)
      current = (await refresh(server, current.refreshToken)).data!.refreshToken;
    expect(codeOf(await refresh(server, first.refreshToken))).toBe('INVALID_TOKEN');
    expect(codeOf(await refresh(server, current.refreshToken))).toBe('INVALID_TOKEN');
  });

  it('a random secret for a live session id is refused without ending the session', async () => {
    const user = await createActiveUser(server);
    const tokens = await signIn(server, user.email);
    const sid = tokens.refreshToken.split('.')[0]!;
    const guess = `${sid}.${'A'.repeat(43)}`;
    expect(codeOf(await refresh(server, guess))).toBe('INVALID_TOKEN');
    expect((await refresh(server, tokens.refreshToken)).errors).toBeUndefined();
  });
});

// Finding 15: REFRESH_REUSE_GRACE=0 must be accepted and turn the grace off.
describe('REFRESH_REUSE_GRACE=0', () => {
  it('revokes on the first reuse, however soon', async () => {
    const server = await startTestServer({ REFRESH_REUSE_GRACE: '0' });
    try {
      expect(server.config.refreshReuseGraceMs).toBe(0);
      const user = await createActiveUser(server);
      const r0 = await signIn(server, user.email);
      const r1 = await refresh(server, r0.refreshToken);
      expect(r1.errors).toBeUndefined();
      expect(codeOf(await refresh(server, r0.refreshToken))).toBe('INVALID_TOKEN');
      expect(codeOf(await refresh(server, r1.data!.refreshToken.refreshToken))).toBe(
        'INVALID_TOKEN',
      );
    } finally {
      await server.close();
    }
  });
});
