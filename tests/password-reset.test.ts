import jwt from 'jsonwebtoken';
import {
  ACTIVATE,
  CHANGE_PASSWORD,
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REFRESH,
  REQUEST_RESET,
  requestResetToken,
  RESET_PASSWORD,
  SIGN_IN,
  signIn,
  signUpAndGetActivationToken,
  sleep,
  uniqueEmail,
} from './helpers/flows';
import { APP_URL, startTestServer, type TestServer } from './helpers/server';

const NEW_PASSWORD = 'a brand new passphrase';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('requestPasswordReset', () => {
  it('answers true and mails a known address a link built from APP_URL', async () => {
    const user = await createActiveUser(server);
    const res = await server.gql(
      REQUEST_RESET,
      { email: user.email },
      { headers: { 'x-forwarded-host': 'evil.example' } },
    );
    expect(res.body).toEqual({ data: { requestPasswordReset: true } });
    const mail = await server.inbox.waitFor(user.email, 2);
    expect(mail.subject).toMatch(/reset/i);
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=`);
    expect(mail.html).toContain(`${APP_URL}/reset-password?token=`);
    expect(mail.raw).not.toContain('evil.example');
  });

  it('answers an unknown address the same, and mails nothing', async () => {
    const ghost = uniqueEmail('ghost');
    const res = await server.gql(REQUEST_RESET, { email: ghost });
    expect(res.body).toEqual({ data: { requestPasswordReset: true } });
    await sleep(500);
    expect(server.inbox.for(ghost)).toHaveLength(0);
  });

  it('refuses an invalid address with BAD_USER_INPUT', async () => {
    expect(codeOf(await server.gql(REQUEST_RESET, { email: 'nope' }))).toBe('BAD_USER_INPUT');
  });
});

describe('resetPassword', () => {
  it('sets the password, ends every session, and mails a notice', async () => {
    const user = await createActiveUser(server);
    const a = await signIn(server, user.email);
    const b = await signIn(server, user.email);
    const token = await requestResetToken(server, user.email);
    const res = await server.gql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD });
    expect(res.body).toEqual({ data: { resetPassword: true } });
    for (const t of [a, b]) {
      expect(codeOf(await server.gql(ME, {}, { token: t.accessToken }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await server.gql(REFRESH, { refreshToken: t.refreshToken }))).toBe(
        'INVALID_TOKEN',
      );
    }
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    await signIn(server, user.email, NEW_PASSWORD);
    const notice = await server.inbox.waitFor(user.email, 3);
    expect(notice.subject).toMatch(/password was changed/i);
  });

  it('works once', async () => {
    const user = await createActiveUser(server);
    const token = await requestResetToken(server, user.email);
    expect(
      (await server.gql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD })).errors,
    ).toBeUndefined();
    expect(
      codeOf(await server.gql(RESET_PASSWORD, { token, newPassword: 'yet another passphrase' })),
    ).toBe('INVALID_TOKEN');
    await signIn(server, user.email, NEW_PASSWORD);
  });

  it('keeps the link usable after a weak password is refused', async () => {
    const user = await createActiveUser(server);
    const token = await requestResetToken(server, user.email);
    for (const weak of ['short', 'password1', user.email, 'x'.repeat(73)]) {
      expect(codeOf(await server.gql(RESET_PASSWORD, { token, newPassword: weak }))).toBe(
        'BAD_USER_INPUT',
      );
    }
    expect(
      (await server.gql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD })).errors,
    ).toBeUndefined();
  });

  it('activates an account that was waiting for activation (the address is proven)', async () => {
    const email = uniqueEmail();
    await signUpAndGetActivationToken(server, email);
    expect(codeOf(await server.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
      'ACCOUNT_NOT_ACTIVATED',
    );
    const token = await requestResetToken(server, email);
    expect(
      (await server.gql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD })).errors,
    ).toBeUndefined();
    const tokens = await signIn(server, email, NEW_PASSWORD);
    expect(tokens.user.isActive).toBe(true);
  });

  it('dies when a newer link is issued', async () => {
    const user = await createActiveUser(server);
    const first = await requestResetToken(server, user.email);
    const second = await requestResetToken(server, user.email);
    expect(
      codeOf(await server.gql(RESET_PASSWORD, { token: first, newPassword: NEW_PASSWORD })),
    ).toBe('INVALID_TOKEN');
    expect(
      (await server.gql(RESET_PASSWORD, { token: second, newPassword: NEW_PASSWORD })).errors,
    ).toBeUndefined();
  });

  it('dies when the password is changed another way', async () => {
    const user = await createActiveUser(server);
    const token = await requestResetToken(server, user.email);
    const { accessToken } = await signIn(server, user.email);
    const changed = await server.gql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      { token: accessToken },
    );
    expect(changed.errors).toBeUndefined();
    expect(
      codeOf(
        await server.gql(RESET_PASSWORD, { token, newPassword: 'attacker chosen passphrase' }),
      ),
    ).toBe('INVALID_TOKEN');
    await signIn(server, user.email, NEW_PASSWORD);
  });

  it('is a token of its own kind: not an activation token, not a Bearer token, and neither of those works as it', async () => {
    const email = uniqueEmail();
    const activation = await signUpAndGetActivationToken(server, email);
    const reset = await requestResetToken(server, email);
    expect(codeOf(await server.gql(ACTIVATE, { token: reset }))).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(ME, {}, { token: reset }))).toBe('UNAUTHENTICATED');
    expect(
      codeOf(await server.gql(RESET_PASSWORD, { token: activation, newPassword: NEW_PASSWORD })),
    ).toBe('INVALID_TOKEN');
    await server.gql(ACTIVATE, { token: activation });
    const { accessToken } = await signIn(server, email);
    expect(
      codeOf(await server.gql(RESET_PASSWORD, { token: accessToken, newPassword: NEW_PASSWORD })),
    ).toBe('INVALID_TOKEN');
    // The genuine reset link still works after all that.
    expect(
      (await server.gql(RESET_PASSWORD, { token: reset, newPassword: NEW_PASSWORD })).errors,
    ).toBeUndefined();
    expect((jwt.decode(reset) as jwt.JwtPayload).aud).toBe('authql:reset');
  });

  it('succeeds once under parallel use of one link', async () => {
    const user = await createActiveUser(server);
    const token = await requestResetToken(server, user.email);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        server.gql(RESET_PASSWORD, { token, newPassword: `${NEW_PASSWORD} ${i}` }),
      ),
    );
    const winners = results.map((r, i) => (r.errors ? -1 : i)).filter((i) => i >= 0);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'INVALID_TOKEN')).toHaveLength(5);
    await signIn(server, user.email, `${NEW_PASSWORD} ${winners[0]}`);
  });
});

describe('reset link expiry', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ RESET_TOKEN_TTL: '1s' });
  });
  afterAll(() => short.close());

  it('fails with TOKEN_EXPIRED after RESET_TOKEN_TTL', async () => {
    const user = await createActiveUser(short);
    const token = await requestResetToken(short, user.email);
    await sleep(1600);
    expect(codeOf(await short.gql(RESET_PASSWORD, { token, newPassword: NEW_PASSWORD }))).toBe(
      'TOKEN_EXPIRED',
    );
    await signIn(short, user.email);
  });
});
