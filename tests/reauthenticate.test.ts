import jwt from 'jsonwebtoken';
import { Session } from '../src/sessions/session.entity';
import { User } from '../src/users/user.entity';
import {
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REFRESH,
  SESSIONS,
  SIGN_IN,
  signIn,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import {
  amrOf,
  awayFromStepEdge,
  COMPLETE,
  enableTotp,
  mailCode,
  passwordTicket,
  REGENERATE,
  REQUEST_SIGN_IN_CODE,
  START_TOTP,
  totpCode,
} from './helpers/mfa';
import { startTestServer, type TestServer } from './helpers/server';
import { staleTokens as staleOf } from './helpers/stale';

// reauthenticate: fresh tokens for the same session with a new auth_time, proven the way sign-in proves
// (same errors, same failure budget), with TOTP finishing through completeSignIn for that session.
const FAILURES = 4;
const REAUTH = `mutation ($password: String, $code: String) {
  reauthenticate(password: $password, code: $code) { accessToken refreshToken expiresIn user { id email } }
}`;
const EVENTS = `{ securityEvents { type method } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: String(FAILURES),
  });
});
afterAll(() => server.close());

const claimsOf = (token: string) => jwt.decode(token) as jwt.JwtPayload;

const staleTokens = (tokens: Tokens, ageSec?: number) => staleOf(server, tokens, ageSec);

async function sessionCount(token: string): Promise<number> {
  const res = await server.gql(SESSIONS, {}, { token });
  expect(res.errors).toBeUndefined();
  return (res.data!.sessions as unknown[]).length;
}

describe('reauthenticate with a password', () => {
  it('turns a stale session fresh: the same session, a new auth_time, and the guarded mutation then succeeds', async () => {
    const user = await createActiveUser(server, uniqueEmail('fresh'));
    const stale = await staleTokens(await signIn(server, user.email));
    expect(codeOf(await server.gql(START_TOTP, {}, { token: stale.accessToken }))).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    const sessionsBefore = await sessionCount(stale.accessToken);

    const res = await server.gql(REAUTH, { password: PASSWORD }, { token: stale.accessToken });
    expect(res.errors).toBeUndefined();
    const fresh = res.data!.reauthenticate as Tokens;
    const claims = claimsOf(fresh.accessToken);
    expect(claims.sid).toBe(claimsOf(stale.accessToken).sid);
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(5);
    expect(claims.amr).toEqual(['pwd']);
    expect(fresh.user).toEqual({ id: user.id, email: user.email });
    expect(await sessionCount(fresh.accessToken)).toBe(sessionsBefore);

    expect((await server.gql(START_TOTP, {}, { token: fresh.accessToken })).errors).toBeUndefined();
    // The refresh token of before is retired like a rotated one: another tab presenting it within
    // REFRESH_REUSE_GRACE gets this same pair (later, it is a reuse that ends the session).
    const tab = await server.gql(REFRESH, { refreshToken: stale.refreshToken });
    expect(tab.errors).toBeUndefined();
    expect((tab.data!.refreshToken as Tokens).refreshToken).toBe(fresh.refreshToken);
    const next = await server.gql(REFRESH, { refreshToken: fresh.refreshToken });
    expect(next.errors).toBeUndefined();
    // A refresh keeps the new auth_time.
    expect(claimsOf(next.data!.refreshToken.accessToken).auth_time).toBe(claims.auth_time);

    const events = await server.gql(EVENTS, {}, { token: fresh.accessToken });
    expect(events.data!.securityEvents).toContainEqual({
      type: 'reauthenticated',
      method: 'PASSWORD',
    });
  });

  it("answers a wrong password as sign-in does, and spends sign-in's failure budget", async () => {
    const user = await createActiveUser(server, uniqueEmail('wrong'));
    const { accessToken } = await signIn(server, user.email);
    const signInWrong = await server.gql(SIGN_IN, {
      email: user.email,
      password: 'not the password',
    });
    const wrong = await server.gql(
      REAUTH,
      { password: 'not the password' },
      { token: accessToken },
    );
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0]!.message).toBe(signInWrong.errors![0]!.message);
    const events = await server.gql(EVENTS, {}, { token: accessToken });
    expect(
      (events.data!.securityEvents as Array<{ type: string }>).filter(
        (e) => e.type === 'sign_in_failed',
      ),
    ).toHaveLength(2);

    // Two failures spent (one sign-in, one reauthentication): the rest of the budget, then refused.
    for (let i = 2; i < FAILURES; i++)
      expect(
        codeOf(await server.gql(REAUTH, { password: `wrong ${i}` }, { token: accessToken })),
      ).toBe('UNAUTHENTICATED');
    const refused = await server.gql(REAUTH, { password: PASSWORD }, { token: accessToken });
    expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
    // The same budget as sign-in: the right password cannot sign in either now.
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'TOO_MANY_REQUESTS',
    );
  });

  it('needs the password of an account that has one, and a signed-in caller', async () => {
    const user = await createActiveUser(server, uniqueEmail('nopass-given'));
    const { accessToken } = await signIn(server, user.email);
    expect(codeOf(await server.gql(REAUTH, {}, { token: accessToken }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(REAUTH, { code: '123456' }, { token: accessToken }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await server.gql(REAUTH, { password: PASSWORD }))).toBe('UNAUTHENTICATED');
  });
});

describe('reauthenticate without a password', () => {
  it('takes a code from requestSignInCode instead, for the same session', async () => {
    const user = await createActiveUser(server, uniqueEmail('code'));
    const stale = await staleTokens(await signIn(server, user.email));
    // The account loses its password (as a social or passkey-only account has none).
    await server.app.orm.em.fork().nativeUpdate(User, { id: user.id }, { passwordHash: null });

    expect(codeOf(await server.gql(REAUTH, {}, { token: stale.accessToken }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      codeOf(await server.gql(REAUTH, { password: PASSWORD }, { token: stale.accessToken })),
    ).toBe('BAD_USER_INPUT');

    const before = server.inbox.for(user.email).length;
    expect((await server.gql(REQUEST_SIGN_IN_CODE, { email: user.email })).errors).toBeUndefined();
    const code = mailCode(await server.inbox.waitFor(user.email, before + 1));
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await server.gql(REAUTH, { code: wrongCode }, { token: stale.accessToken });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');

    const res = await server.gql(REAUTH, { code }, { token: stale.accessToken });
    expect(res.errors).toBeUndefined();
    const fresh = res.data!.reauthenticate as Tokens;
    expect(claimsOf(fresh.accessToken).sid).toBe(claimsOf(stale.accessToken).sid);
    expect(amrOf(fresh.accessToken)).toEqual(['email']);
    expect((await server.gql(START_TOTP, {}, { token: fresh.accessToken })).errors).toBeUndefined();
    // A code works once.
    expect(codeOf(await server.gql(REAUTH, { code }, { token: fresh.accessToken }))).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('reauthenticate with TOTP on', () => {
  it('answers MFA_REQUIRED with a ticket, and completeSignIn renews the same session', async () => {
    const user = await createActiveUser(server, uniqueEmail('totp'));
    const { secret } = await enableTotp(server, user.email);
    await awayFromStepEdge();
    const ticket = await passwordTicket(server, user.email, PASSWORD);
    const signedIn = await server.gql(COMPLETE, { mfaTicket: ticket, code: totpCode(secret) });
    expect(signedIn.errors).toBeUndefined();
    const stale = await staleTokens(signedIn.data!.completeSignIn as Tokens);
    expect(
      codeOf(await server.gql(REGENERATE, { password: PASSWORD }, { token: stale.accessToken })),
    ).toBe('REAUTHENTICATION_REQUIRED');
    const sessionsBefore = await sessionCount(stale.accessToken);

    const asked = await server.gql(REAUTH, { password: PASSWORD }, { token: stale.accessToken });
    expect(codeOf(asked)).toBe('MFA_REQUIRED');
    const extensions = asked.errors![0]!.extensions!;
    expect(extensions.methods).toEqual(['TOTP', 'RECOVERY_CODE']);
    const mfaTicket = extensions.mfaTicket as string;
    // The password alone renewed nothing: the token is still stale.
    expect(
      codeOf(await server.gql(REGENERATE, { password: PASSWORD }, { token: stale.accessToken })),
    ).toBe('REAUTHENTICATION_REQUIRED');

    const done = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret, 1) });
    expect(done.errors).toBeUndefined();
    const fresh = done.data!.completeSignIn as Tokens;
    const claims = claimsOf(fresh.accessToken);
    expect(claims.sid).toBe(claimsOf(stale.accessToken).sid);
    expect(claims.amr).toEqual(['pwd', 'otp']);
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(5);
    expect(await sessionCount(fresh.accessToken)).toBe(sessionsBefore);
    const regenerated = await server.gql(
      REGENERATE,
      { password: PASSWORD },
      { token: fresh.accessToken },
    );
    expect(regenerated.errors).toBeUndefined();
    expect((await server.gql(ME, {}, { token: fresh.accessToken })).errors).toBeUndefined();
  });

  it('a reauthentication ticket of an ended session opens no session', async () => {
    const user = await createActiveUser(server, uniqueEmail('totp-ended'));
    const { secret } = await enableTotp(server, user.email);
    await awayFromStepEdge();
    const ticket = await passwordTicket(server, user.email, PASSWORD);
    const signedIn = await server.gql(COMPLETE, { mfaTicket: ticket, code: totpCode(secret) });
    const tokens = signedIn.data!.completeSignIn as Tokens;
    const asked = await server.gql(REAUTH, { password: PASSWORD }, { token: tokens.accessToken });
    const mfaTicket = asked.errors![0]!.extensions!.mfaTicket as string;
    expect(
      (await server.gql(`mutation { signOut }`, {}, { token: tokens.accessToken })).errors,
    ).toBeUndefined();
    const live = () => server.app.orm.em.fork().count(Session, { user: user.id, revokedAt: null });
    const before = await live();
    const done = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret, 1) });
    expect(codeOf(done)).toBe('UNAUTHENTICATED');
    expect(await live()).toBe(before);
  });
});
