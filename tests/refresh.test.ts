import jwt from 'jsonwebtoken';
import { codeOf, createActiveUser, ME, REFRESH, signIn, type Tokens } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ REFRESH_REUSE_GRACE: '1s' });
});
afterAll(() => server.close());

const refresh = (s: TestServer, refreshToken: string) =>
  s.gql<{ refreshToken: Tokens }>(REFRESH, { refreshToken });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('refreshToken', () => {
  it('rotates: returns a new refresh token and a working access token of the same session', async () => {
    const user = await createActiveUser(server);
    const first = await signIn(server, user.email);
    const res = await refresh(server, first.refreshToken);
    expect(res.errors).toBeUndefined();
    const next = res.data!.refreshToken;
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.accessToken).not.toBe(first.accessToken);
    expect(next.user.email).toBe(user.email);
    const sid = (t: string) => (jwt.decode(t) as jwt.JwtPayload).sid;
    expect(sid(next.accessToken)).toBe(sid(first.accessToken));
    expect((await server.gql(ME, {}, { token: next.accessToken })).errors).toBeUndefined();
    // And the chain goes on.
    const third = await refresh(server, next.refreshToken);
    expect(third.errors).toBeUndefined();
  });

  it('stores refresh tokens only as hashes', async () => {
    const user = await createActiveUser(server);
    const { refreshToken } = await signIn(server, user.email);
    const secret = refreshToken.split('.')[1]!;
    const rows = await server.app.orm.em.fork().getConnection().execute('select * from sessions');
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('returns the same successor to a retry inside the grace window (parallel tabs)', async () => {
    const user = await createActiveUser(server);
    const { refreshToken } = await signIn(server, user.email);
    const a = await refresh(server, refreshToken);
    const b = await refresh(server, refreshToken);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data!.refreshToken.refreshToken).toBe(a.data!.refreshToken.refreshToken);
  });

  it('mints at most one successor from concurrent refreshes of one token', async () => {
    const user = await createActiveUser(server);
    const { refreshToken } = await signIn(server, user.email);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => refresh(server, refreshToken)),
    );
    const successors = new Set(
      results.filter((r) => !r.errors).map((r) => r.data!.refreshToken.refreshToken),
    );
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect((await refresh(server, successor!)).errors).toBeUndefined();
  });

  it('revokes the whole session when a rotated token is reused after the grace window, and mails the owner', async () => {
    const user = await createActiveUser(server);
    const { refreshToken } = await signIn(server, user.email);
    const next = (await refresh(server, refreshToken)).data!.refreshToken;
    await sleep(1300);
    const reuse = await refresh(server, refreshToken);
    expect(codeOf(reuse)).toBe('INVALID_TOKEN');
    // The successor and the session's access tokens stop working at once.
    expect(codeOf(await refresh(server, next.refreshToken))).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(ME, {}, { token: next.accessToken }))).toBe('UNAUTHENTICATED');
    const mail = await server.inbox.waitFor(user.email, 2);
    expect(mail.subject).toMatch(/session was ended/i);
    // Other sessions of the same user are untouched.
    const other = await signIn(server, user.email);
    expect((await server.gql(ME, {}, { token: other.accessToken })).errors).toBeUndefined();
  });

  it('refuses malformed, forged and unknown refresh tokens with INVALID_TOKEN', async () => {
    const user = await createActiveUser(server);
    const { refreshToken, accessToken } = await signIn(server, user.email);
    const [sessionId] = refreshToken.split('.');
    const forged = `${sessionId}.${Buffer.alloc(32, 7).toString('base64url')}`;
    for (const bad of [
      '',
      'garbage',
      accessToken,
      forged,
      `00000000-0000-4000-8000-000000000000.${refreshToken.split('.')[1]}`,
      'x'.repeat(10_000),
    ]) {
      expect(codeOf(await refresh(server, bad))).toBe('INVALID_TOKEN');
    }
    // A wrong guess does not end the session.
    expect((await refresh(server, refreshToken)).errors).toBeUndefined();
  });
});

describe('refresh token lifetime', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ REFRESH_TOKEN_TTL: '2s' });
  });
  afterAll(() => short.close());

  it('is absolute: TOKEN_EXPIRED after REFRESH_TOKEN_TTL, even if rotated meanwhile', async () => {
    const user = await createActiveUser(short);
    const { refreshToken } = await signIn(short, user.email);
    const next = (await refresh(short, refreshToken)).data!.refreshToken;
    expect(next.refreshToken).toEqual(expect.any(String));
    await sleep(2200);
    expect(codeOf(await refresh(short, next.refreshToken))).toBe('TOKEN_EXPIRED');
  });
});
