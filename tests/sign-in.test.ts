import jwt from 'jsonwebtoken';
import {
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  SIGN_IN,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { startTestServer, TEST_KEYS, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** The user's row as stored (its timestamps as the driver returns them). */
const storedUser = async (id: string) =>
  (
    await server.app.orm.em.fork().getConnection().execute('select * from users where id = ?', [id])
  )[0] as Record<string, unknown>;

describe('signIn', () => {
  it('writes nothing to the user: the row, updated_at included, is as it was', async () => {
    const user = await createActiveUser(server);
    const before = await storedUser(user.id);
    await new Promise((r) => setTimeout(r, 5)); // a rewrite would now store another updated_at
    await signIn(server, user.email);
    await signIn(server, user.email);
    expect(await storedUser(user.id)).toEqual(before);
  });

  it('returns an access token, a refresh token and the user; the access token opens `me`', async () => {
    const user = await createActiveUser(server);
    const tokens = await signIn(server, user.email);
    expect(tokens.expiresIn).toBe(15 * 60);
    expect(tokens.user).toEqual({ id: user.id, email: user.email, role: 'USER', isActive: true });
    // Opaque refresh token carrying at least 256 random bits.
    const secret = tokens.refreshToken.split('.')[1]!;
    expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    const me = await server.gql(ME, {}, { token: tokens.accessToken });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toMatchObject({
      id: user.id,
      email: user.email,
      role: 'USER',
      isActive: true,
    });
  });

  it('issues an HS256 JWT with sub, sid, role, iat, exp, iss, aud, jti and a kid header', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const verified = jwt.verify(accessToken, TEST_KEYS.access, {
      algorithms: ['HS256'],
      complete: true,
    });
    expect(verified.header).toMatchObject({ alg: 'HS256', kid: expect.any(String) });
    const claims = verified.payload as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: user.id, role: 'USER', iss: 'authql', aud: 'authql' });
    expect(claims.sid).toEqual(expect.any(String));
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    // Two sign-ins are two sessions with distinct token ids.
    const second = jwt.decode((await signIn(server, user.email)).accessToken) as jwt.JwtPayload;
    expect(second.sid).not.toBe(claims.sid);
    expect(second.jti).not.toBe(claims.jti);
  });

  it('gives a wrong password and an unknown email the same code and message', async () => {
    const user = await createActiveUser(server);
    const wrong = await server.gql(SIGN_IN, {
      email: user.email,
      password: 'not the right passphrase',
    });
    const unknown = await server.gql(SIGN_IN, { email: uniqueEmail('ghost'), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect(res.errors![0]!.message).toBe('Invalid email or password.');
      expect(res.data).toBeNull();
    }
    expect(wrong.body).toEqual(unknown.body);
  });

  it('refuses an over-long password as invalid credentials, without hashing it', async () => {
    const user = await createActiveUser(server);
    const res = await server.gql(SIGN_IN, {
      email: user.email,
      password: PASSWORD + 'x'.repeat(50_000),
    });
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    // bcrypt would have compared only the first 72 bytes, which are the right password.
    const truncated = await server.gql(SIGN_IN, {
      email: user.email,
      password: PASSWORD + 'z'.repeat(72 - PASSWORD.length + 1),
    });
    expect(codeOf(truncated)).toBe('UNAUTHENTICATED');
  });

  it('fails with ACCOUNT_NOT_ACTIVATED for the right password of an inactive account, and like any wrong password otherwise', async () => {
    const email = uniqueEmail();
    await signUpAndGetActivationToken(server, email);
    const right = await server.gql(SIGN_IN, { email, password: PASSWORD });
    expect(codeOf(right)).toBe('ACCOUNT_NOT_ACTIVATED');
    expect(right.errors![0]!.message).toMatch(/activat/i);
    const wrong = await server.gql(SIGN_IN, { email, password: 'not the right passphrase' });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0]!.message).toBe('Invalid email or password.');
  });

  it('refuses an invalid email with BAD_USER_INPUT', async () => {
    expect(codeOf(await server.gql(SIGN_IN, { email: 'no-at-sign', password: PASSWORD }))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('answers a missing argument with a GraphQL validation error and no stack trace', async () => {
    const res = await server.gql('mutation { signIn(input: { email: "a@b.co" }) { accessToken } }');
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|at .*\.js/);
  });
});
