import { OneTimeToken } from '../src/tokens/one-time-token.entity';
import {
  ACTIVATE,
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REQUEST_RESET,
  RESET_PASSWORD,
  SIGN_IN,
  SIGN_UP,
  signIn,
  sleep,
  uniqueEmail,
} from './helpers/flows';
import { linkToken } from './helpers/inbox';
import {
  ACTIVATE_WITH_CODE,
  amrOf,
  awayFromStepEdge,
  COMPLETE,
  enableTotp,
  mailCode,
  REQUEST_SIGN_IN_CODE,
  RESET_WITH_CODE,
  SIGN_IN_WITH_CODE,
  totpCode,
} from './helpers/mfa';
import { sample } from './helpers/metrics';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const NEW_PASSWORD = 'a brand new passphrase 42';
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function signUpMail(email: string) {
  const before = server.inbox.for(email).length;
  expect((await server.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
  return server.inbox.waitFor(email, before + 1);
}

async function resetMail(email: string) {
  const before = server.inbox.for(email).length;
  expect((await server.gql(REQUEST_RESET, { email })).data).toEqual({ requestPasswordReset: true });
  return server.inbox.waitFor(email, before + 1);
}

async function signInCodeMail(email: string) {
  const before = server.inbox.for(email).length;
  expect((await server.gql(REQUEST_SIGN_IN_CODE, { email })).data).toEqual({
    requestSignInCode: true,
  });
  return server.inbox.waitFor(email, before + 1);
}

describe('codes in activation mails', () => {
  it('the mail carries a link and a 6-digit code; the code activates and then the link is spent', async () => {
    const email = uniqueEmail();
    const mail = await signUpMail(email);
    const code = mailCode(mail);
    expect(mail.text).toMatch(/expires in 10 minutes/);
    expect(mail.html).toContain(code);
    const res = await server.gql(ACTIVATE_WITH_CODE, { email, code });
    expect(res.errors).toBeUndefined();
    expect(res.data!.activateAccountWithCode).toMatchObject({ email, isActive: true });
    await signIn(server, email);
    const link = await server.gql(ACTIVATE, { token: linkToken(mail, '/activate') });
    expect(codeOf(link)).toBe('INVALID_TOKEN');
  });

  it('the link spends the code', async () => {
    const email = uniqueEmail();
    const mail = await signUpMail(email);
    expect((await server.gql(ACTIVATE, { token: linkToken(mail, '/activate') })).errors).toBe(
      undefined,
    );
    const res = await server.gql(ACTIVATE_WITH_CODE, { email, code: mailCode(mail) });
    expect(codeOf(res)).toBe('INVALID_TOKEN');
  });

  it('a wrong code and an unknown address answer alike; 5 wrong tries kill the code (the link still works)', async () => {
    const email = uniqueEmail();
    const mail = await signUpMail(email);
    const code = mailCode(mail);
    const wrong = await server.gql(ACTIVATE_WITH_CODE, { email, code: otherCode(code) });
    const unknown = await server.gql(ACTIVATE_WITH_CODE, { email: uniqueEmail('nobody'), code });
    expect(codeOf(wrong)).toBe('INVALID_TOKEN');
    expect(wrong.errors![0]!.message).toBe(unknown.errors![0]!.message);
    expect(codeOf(unknown)).toBe(codeOf(wrong));
    for (let i = 0; i < 4; i++)
      await server.gql(ACTIVATE_WITH_CODE, { email, code: otherCode(code) });
    expect(codeOf(await server.gql(ACTIVATE_WITH_CODE, { email, code }))).toBe('INVALID_TOKEN');
    expect((await server.gql(ACTIVATE, { token: linkToken(mail, '/activate') })).errors).toBe(
      undefined,
    );
  });

  it("a code activates with its own sign-up's password; the other sign-up's code is void after", async () => {
    const email = uniqueEmail('victim');
    const attacker = 'attacker chose this 1';
    const before = server.inbox.for(email).length;
    expect((await server.gql(SIGN_UP, { email, password: attacker })).errors).toBeUndefined();
    const attackerMail = await server.inbox.waitFor(email, before + 1);
    const victimMail = await signUpMail(email);
    const res = await server.gql(ACTIVATE_WITH_CODE, { email, code: mailCode(victimMail) });
    expect(res.errors).toBeUndefined();
    await signIn(server, email, PASSWORD);
    expect(codeOf(await server.gql(SIGN_IN, { email, password: attacker }))).toBe(
      'UNAUTHENTICATED',
    );
    const late = await server.gql(ACTIVATE_WITH_CODE, { email, code: mailCode(attackerMail) });
    expect(codeOf(late)).toBe('INVALID_TOKEN');
  });

  it('a code older than 10 minutes is refused', async () => {
    const email = uniqueEmail();
    const mail = await signUpMail(email);
    await server.app.orm.em
      .fork()
      .nativeUpdate(OneTimeToken, {}, { codeExpiresAt: new Date(Date.now() - 1) });
    expect(codeOf(await server.gql(ACTIVATE_WITH_CODE, { email, code: mailCode(mail) }))).toBe(
      'INVALID_TOKEN',
    );
  });
});

describe('codes in reset mails', () => {
  it('the code sets the password and ends sessions; then the link is spent', async () => {
    const { email } = await createActiveUser(server);
    const session = await signIn(server, email);
    const mail = await resetMail(email);
    const code = mailCode(mail);
    // A weak password is refused before the code is tried: the same code still works after.
    const weak = await server.gql(RESET_WITH_CODE, { email, code, newPassword: 'short' });
    expect(codeOf(weak)).toBe('BAD_USER_INPUT');
    const res = await server.gql(RESET_WITH_CODE, { email, code, newPassword: NEW_PASSWORD });
    expect(res.data).toEqual({ resetPasswordWithCode: true });
    expect(codeOf(await server.gql(ME, {}, { token: session.accessToken }))).toBe(
      'UNAUTHENTICATED',
    );
    await signIn(server, email, NEW_PASSWORD);
    expect(codeOf(await server.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    const link = await server.gql(RESET_PASSWORD, {
      token: linkToken(mail, '/reset-password'),
      newPassword: 'yet another passphrase 7',
    });
    expect(codeOf(link)).toBe('INVALID_TOKEN');
  });

  it('the link spends the code; a wrong code and an unknown address answer alike', async () => {
    const { email } = await createActiveUser(server);
    const mail = await resetMail(email);
    const code = mailCode(mail);
    const wrong = await server.gql(RESET_WITH_CODE, {
      email,
      code: otherCode(code),
      newPassword: NEW_PASSWORD,
    });
    const unknown = await server.gql(RESET_WITH_CODE, {
      email: uniqueEmail('nobody'),
      code,
      newPassword: NEW_PASSWORD,
    });
    expect(codeOf(wrong)).toBe('INVALID_TOKEN');
    expect(unknown.errors![0]).toEqual(wrong.errors![0]);
    const link = await server.gql(RESET_PASSWORD, {
      token: linkToken(mail, '/reset-password'),
      newPassword: NEW_PASSWORD,
    });
    expect(link.errors).toBeUndefined();
    const res = await server.gql(RESET_WITH_CODE, {
      email,
      code,
      newPassword: 'other passphrase 9',
    });
    expect(codeOf(res)).toBe('INVALID_TOKEN');
  });
});

describe('passwordless sign-in by email code', () => {
  it('mails active accounts only, answers true for any address, and signs in once with amr email', async () => {
    const { email } = await createActiveUser(server);
    const waiting = uniqueEmail('waiting');
    await signUpMail(waiting);
    const unknown = uniqueEmail('nobody');
    for (const address of [waiting, unknown]) {
      expect((await server.gql(REQUEST_SIGN_IN_CODE, { email: address })).data).toEqual({
        requestSignInCode: true,
      });
    }
    const mail = await signInCodeMail(email);
    const code = mailCode(mail);
    const res = await server.gql(SIGN_IN_WITH_CODE, { email, code });
    expect(res.errors).toBeUndefined();
    expect(amrOf(res.data!.signInWithCode.accessToken)).toEqual(['email']);
    expect(codeOf(await server.gql(SIGN_IN_WITH_CODE, { email, code }))).toBe('UNAUTHENTICATED');
    // The waiting and the unknown address got nothing (the background work has long finished).
    await sleep(300);
    expect(server.inbox.for(waiting)).toHaveLength(1);
    expect(server.inbox.for(unknown)).toHaveLength(0);
  });

  it('a newer code retires the older; a wrong code and an unknown address answer alike', async () => {
    const { email } = await createActiveUser(server);
    const first = mailCode(await signInCodeMail(email));
    const second = mailCode(await signInCodeMail(email));
    const wrong = await server.gql(SIGN_IN_WITH_CODE, { email, code: otherCode(second) });
    const unknown = await server.gql(SIGN_IN_WITH_CODE, { email: uniqueEmail('x'), code: second });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(unknown.errors![0]).toEqual(wrong.errors![0]);
    if (first !== second) {
      expect(codeOf(await server.gql(SIGN_IN_WITH_CODE, { email, code: first }))).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect((await server.gql(SIGN_IN_WITH_CODE, { email, code: second })).errors).toBeUndefined();
  });

  it('5 wrong tries kill the code', async () => {
    const { email } = await createActiveUser(server);
    const code = mailCode(await signInCodeMail(email));
    for (let i = 0; i < 5; i++)
      await server.gql(SIGN_IN_WITH_CODE, { email, code: otherCode(code) });
    expect(codeOf(await server.gql(SIGN_IN_WITH_CODE, { email, code }))).toBe('UNAUTHENTICATED');
  });

  it('with TOTP on, a code sign-in asks for the second factor and ends with amr email+otp', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const code = mailCode(await signInCodeMail(email));
    const res = await server.gql(SIGN_IN_WITH_CODE, { email, code });
    expect(codeOf(res)).toBe('MFA_REQUIRED');
    await awayFromStepEdge();
    const done = await server.gql(COMPLETE, {
      mfaTicket: res.errors![0]!.extensions!.mfaTicket,
      code: totpCode(secret),
    });
    expect(done.errors).toBeUndefined();
    expect(amrOf(done.data!.completeSignIn.accessToken)).toEqual(['email', 'otp']);
  });
});

describe('what codes leave behind', () => {
  it('a code is only ever in the body: no 6-digit run in the subject of the activation, reset and sign-in code mails', async () => {
    const waiting = uniqueEmail('subject');
    const { email } = await createActiveUser(server);
    const mails = [await signUpMail(waiting), await resetMail(email), await signInCodeMail(email)];
    expect(mails.map((m) => m.subject)).toEqual([
      'Activate your account',
      'Reset your password',
      'Your sign-in code',
    ]);
    for (const mail of mails) {
      expect(mail.subject).not.toMatch(/\d{6}/);
      expect(mail.html).toContain(mailCode(mail));
    }
  });

  it('a wrong sign-in code is recorded: sign_in_failed (EMAIL_CODE, first factor) for the owner, and in the metrics', async () => {
    const METRICS_TOKEN = 'metrics-token-for-the-code-tests-0123456789';
    const watched = await startTestServer({ METRICS_TOKEN });
    const failures = async () =>
      sample(
        await (
          await fetch(`${watched.origin}/metrics`, {
            headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          })
        ).text(),
        'authql_sign_ins_total',
        { method: 'EMAIL_CODE', outcome: 'invalid_credentials' },
      ) ?? 0;
    try {
      const { email } = await createActiveUser(watched);
      const before = watched.inbox.for(email).length;
      await watched.gql(REQUEST_SIGN_IN_CODE, { email });
      const code = mailCode(await watched.inbox.waitFor(email, before + 1));
      const counted = await failures();
      for (let i = 0; i < 2; i++) {
        const res = await watched.gql(
          SIGN_IN_WITH_CODE,
          { email, code: otherCode(code) },
          { headers: { 'user-agent': 'guesser/1.0' } },
        );
        expect(codeOf(res)).toBe('UNAUTHENTICATED');
      }
      // An unknown address is counted too (its event belongs to nobody a user can see).
      await watched.gql(SIGN_IN_WITH_CODE, { email: uniqueEmail('nobody'), code });
      expect((await failures()) - counted).toBe(3);
      const { accessToken } = (await watched.gql(SIGN_IN_WITH_CODE, { email, code })).data!
        .signInWithCode;
      const events = await watched.gql(
        `{ securityEvents { type method factor userAgent } }`,
        {},
        { token: accessToken },
      );
      expect(events.data!.securityEvents.slice(0, 3)).toEqual([
        { type: 'signed_in', method: 'EMAIL_CODE', factor: null, userAgent: 'node' },
        { type: 'sign_in_failed', method: 'EMAIL_CODE', factor: 'FIRST', userAgent: 'guesser/1.0' },
        { type: 'sign_in_failed', method: 'EMAIL_CODE', factor: 'FIRST', userAgent: 'guesser/1.0' },
      ]);
    } finally {
      await watched.close();
    }
  });
});

describe('limits', () => {
  it('requestSignInCode shares the per-address mail budget with reset and sign-up', async () => {
    const limited = await startTestServer({ RATE_LIMIT_EMAIL_PER_ADDRESS: '2' });
    try {
      const email = uniqueEmail();
      expect((await limited.gql(REQUEST_RESET, { email })).errors).toBeUndefined();
      expect((await limited.gql(REQUEST_SIGN_IN_CODE, { email })).errors).toBeUndefined();
      expect(codeOf(await limited.gql(REQUEST_SIGN_IN_CODE, { email }))).toBe('TOO_MANY_REQUESTS');
    } finally {
      await limited.close();
    }
  });

  it('a code try is charged to its IP budget first (sign-in codes: sign-in; activation, reset: token), then the address', async () => {
    const limited = await startTestServer({
      TRUST_PROXY: '1',
      RATE_LIMIT_SIGNIN_PER_IP: '2',
      RATE_LIMIT_TOKEN_PER_IP: '2',
      RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '3',
    });
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const attempts = {
      signIn: (email: string, ip: string) =>
        limited.gql(SIGN_IN_WITH_CODE, { email, code: '123456' }, from(ip)),
      activate: (email: string, ip: string) =>
        limited.gql(ACTIVATE_WITH_CODE, { email, code: '123456' }, from(ip)),
      reset: (email: string, ip: string) =>
        limited.gql(
          RESET_WITH_CODE,
          { email, code: '123456', newPassword: NEW_PASSWORD },
          from(ip),
        ),
    };
    try {
      const attacker = '203.0.113.7';
      for (let i = 0; i < 2; i++)
        expect(codeOf(await attempts.signIn(uniqueEmail(), attacker))).toBe('UNAUTHENTICATED');
      expect(codeOf(await attempts.signIn(uniqueEmail(), attacker))).toBe('TOO_MANY_REQUESTS');
      // The sign-in budget is spent; the token budget is untouched, and is the one these spend.
      expect(codeOf(await attempts.activate(uniqueEmail(), attacker))).toBe('INVALID_TOKEN');
      expect(codeOf(await attempts.reset(uniqueEmail(), attacker))).toBe('INVALID_TOKEN');
      expect(codeOf(await attempts.activate(uniqueEmail(), attacker))).toBe('TOO_MANY_REQUESTS');

      // Tries the IP limit refuses cost the address nothing: it still has its 3 failures, then no more.
      const victim = uniqueEmail('victim');
      for (const attempt of [attempts.signIn, attempts.activate, attempts.reset])
        expect(codeOf(await attempt(victim, attacker))).toBe('TOO_MANY_REQUESTS');
      expect(codeOf(await attempts.signIn(victim, '198.51.100.1'))).toBe('UNAUTHENTICATED');
      expect(codeOf(await attempts.activate(victim, '198.51.100.2'))).toBe('INVALID_TOKEN');
      expect(codeOf(await attempts.reset(victim, '198.51.100.3'))).toBe('INVALID_TOKEN');
      expect(codeOf(await attempts.signIn(victim, '198.51.100.4'))).toBe('TOO_MANY_REQUESTS');
    } finally {
      await limited.close();
    }
  });

  it('mailed-code tries spend the account failure budget of signIn, before the code is checked', async () => {
    const limited = await startTestServer({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    try {
      const { email } = await createActiveUser(limited);
      const before = limited.inbox.for(email).length;
      await limited.gql(REQUEST_SIGN_IN_CODE, { email });
      const code = mailCode(await limited.inbox.waitFor(email, before + 1));
      for (let i = 0; i < 3; i++) {
        const res = await limited.gql(SIGN_IN_WITH_CODE, { email, code: otherCode(code) });
        expect(codeOf(res)).toBe('UNAUTHENTICATED');
      }
      expect(codeOf(await limited.gql(SIGN_IN_WITH_CODE, { email, code }))).toBe(
        'TOO_MANY_REQUESTS',
      );
      expect(codeOf(await limited.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
        'TOO_MANY_REQUESTS',
      );
      // Reset codes draw on the same budget.
      expect(
        codeOf(
          await limited.gql(RESET_WITH_CODE, { email, code: '123456', newPassword: NEW_PASSWORD }),
        ),
      ).toBe('TOO_MANY_REQUESTS');
    } finally {
      await limited.close();
    }
  });
});
