import { MfaTicket } from '../src/mfa/mfa-ticket.entity';
import { User } from '../src/users/user.entity';
import { codeOf, createActiveUser, ME, PASSWORD, SIGN_IN, signIn, sleep } from './helpers/flows';
import {
  amrOf,
  awayFromStepEdge,
  COMPLETE,
  CONFIRM_TOTP,
  DISABLE_TOTP,
  enableTotp,
  ME_MFA,
  passwordTicket,
  REGENERATE,
  START_TOTP,
  totpCode,
} from './helpers/mfa';
import { sample } from './helpers/metrics';
import { startTestServer, TEST_SECRET, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ APP_NAME: 'Acme' });
});
afterAll(() => server.close());

describe('TOTP enrolment', () => {
  it('gives a secret, an otpauth URI and a QR code; turns on only with a right code; returns 10 recovery codes', async () => {
    const { email } = await createActiveUser(server);
    const { accessToken } = await signIn(server, email);
    const started = await server.gql(START_TOTP, {}, { token: accessToken });
    expect(started.errors).toBeUndefined();
    const { secret, otpauthUri, qrCodeSvg } = started.data!.startTotpEnrollment;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Acme');
    expect(decodeURIComponent(uri.pathname)).toContain(email);
    expect(qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    // Pending: sign-in still needs one factor until the enrolment is confirmed.
    expect((await server.gql(ME_MFA, {}, { token: accessToken })).data!.me.mfaEnabled).toBe(false);
    const wrong = await server.gql(CONFIRM_TOTP, { code: '000000' }, { token: accessToken });
    if (totpCode(secret) !== '000000') expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(SIGN_IN, { email, password: PASSWORD }))).toBeUndefined();

    await awayFromStepEdge();
    const confirmed = await server.gql(
      CONFIRM_TOTP,
      { code: totpCode(secret) },
      { token: accessToken },
    );
    expect(confirmed.errors).toBeUndefined();
    const codes = confirmed.data!.confirmTotpEnrollment as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    expect((await server.gql(ME_MFA, {}, { token: accessToken })).data!.me.mfaEnabled).toBe(true);
    const mail = await server.inbox.waitFor(email, 2);
    expect(mail.subject).toBe('Two-step verification is on');

    // Stored sealed: neither the secret nor a recovery code is in the database in clear.
    const em = server.app.orm.em.fork();
    const row = await em.findOneOrFail(User, { email }, { populate: ['totpSecret'] });
    expect(row.totpSecret).toMatch(/^v1\./);
    expect(row.totpSecret).not.toContain(secret);
    const stored = JSON.stringify(
      await em.getConnection().execute('select code_hash from recovery_codes', [], 'all'),
    );
    for (const code of codes) expect(stored).not.toContain(code.replace('-', ''));

    // Once on, a new enrolment cannot silently replace the authenticator.
    expect(codeOf(await server.gql(START_TOTP, {}, { token: accessToken }))).toBe('BAD_USER_INPUT');
  });
});

describe('sign-in with a second factor', () => {
  it('answers MFA_REQUIRED with a ticket and the methods; completeSignIn with a TOTP code gives tokens with amr pwd+otp', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const res = await server.gql(SIGN_IN, { email, password: PASSWORD });
    expect(res.data).toBeNull();
    expect(codeOf(res)).toBe('MFA_REQUIRED');
    const { mfaTicket, methods } = res.errors![0]!.extensions!;
    expect(methods).toEqual(['TOTP', 'RECOVERY_CODE']);
    expect(mfaTicket).toEqual(expect.any(String));
    expect(Buffer.from(mfaTicket as string, 'base64url').length).toBeGreaterThanOrEqual(32);
    // Only its hash is stored.
    const rows = await server.app.orm.em.fork().find(MfaTicket, {});
    expect(JSON.stringify(rows)).not.toContain(mfaTicket);

    await awayFromStepEdge();
    const done = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret) });
    expect(done.errors).toBeUndefined();
    const payload = done.data!.completeSignIn;
    expect(payload.user).toEqual({ id: expect.any(String), email, mfaEnabled: true });
    expect(amrOf(payload.accessToken)).toEqual(['pwd', 'otp']);
    expect(codeOf(await server.gql(ME, {}, { token: payload.accessToken }))).toBeUndefined();
    // One success uses the ticket up.
    const again = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret, 1) });
    expect(codeOf(again)).toBe('INVALID_TOKEN');
  });

  it('refuses a replayed TOTP code, and a code of an older step, on a new ticket', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    await awayFromStepEdge();
    const code = totpCode(secret, 1);
    const first = await server.gql(COMPLETE, {
      mfaTicket: await passwordTicket(server, email, PASSWORD),
      code,
    });
    expect(first.errors).toBeUndefined();
    const ticket = await passwordTicket(server, email, PASSWORD);
    expect(codeOf(await server.gql(COMPLETE, { mfaTicket: ticket, code }))).toBe('UNAUTHENTICATED');
    // The current step is older than the one just accepted: refused too.
    expect(codeOf(await server.gql(COMPLETE, { mfaTicket: ticket, code: totpCode(secret) }))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('accepts one TOTP code once even when two tickets race with it', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const tickets = [
      await passwordTicket(server, email, PASSWORD),
      await passwordTicket(server, email, PASSWORD),
    ];
    await awayFromStepEdge();
    const code = totpCode(secret);
    const results = await Promise.all(
      [...tickets, tickets[0]!].map((mfaTicket) => server.gql(COMPLETE, { mfaTicket, code })),
    );
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
  });

  it('accepts each recovery code once (dash and case optional) and mails the owner', async () => {
    const { email, recoveryCodes } = await createActiveUser(server).then((u) =>
      enableTotp(server, u.email),
    );
    const before = server.inbox.for(email).length;
    const typed = recoveryCodes[3]!.replace('-', '').toUpperCase();
    const done = await server.gql(COMPLETE, {
      mfaTicket: await passwordTicket(server, email, PASSWORD),
      code: typed,
    });
    expect(done.errors).toBeUndefined();
    expect(amrOf(done.data!.completeSignIn.accessToken)).toEqual(['pwd', 'otp']);
    const mail = await server.inbox.waitFor(email, before + 1);
    expect(mail.subject).toBe('A recovery code was used to sign in');
    expect(mail.text).toContain('9 unused codes are left');
    const reused = await server.gql(COMPLETE, {
      mfaTicket: await passwordTicket(server, email, PASSWORD),
      code: recoveryCodes[3]!,
    });
    expect(codeOf(reused)).toBe('UNAUTHENTICATED');
  });

  it('kills a ticket after 5 wrong codes: the right code then fails too', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const mfaTicket = await passwordTicket(server, email, PASSWORD);
    await awayFromStepEdge();
    const right = totpCode(secret);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) {
      const res = await server.gql(COMPLETE, { mfaTicket, code: wrong });
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect(res.errors![0]!.message).toBe('Invalid code.');
    }
    expect(codeOf(await server.gql(COMPLETE, { mfaTicket, code: right }))).toBe('INVALID_TOKEN');
    // A fresh sign-in gets a fresh ticket that works.
    const fresh = await passwordTicket(server, email, PASSWORD);
    expect((await server.gql(COMPLETE, { mfaTicket: fresh, code: right })).errors).toBeUndefined();
  });

  it('an account disabled while its ticket is open gets ACCOUNT_DISABLED from completeSignIn, not a session', async () => {
    const { email, id } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const mfaTicket = await passwordTicket(server, email, PASSWORD);
    // What disableUser writes (the admin API's own tests cover the mutation).
    await server.app.orm.em.fork().nativeUpdate(User, { id }, { disabled: true });
    await awayFromStepEdge();
    const res = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret) });
    expect(codeOf(res)).toBe('ACCOUNT_DISABLED');
    expect(res.data).toBeNull();
  });

  it('refuses an expired ticket with TOKEN_EXPIRED and an unknown one with INVALID_TOKEN', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const mfaTicket = await passwordTicket(server, email, PASSWORD);
    const em = server.app.orm.em.fork();
    const user = await em.findOneOrFail(User, { email });
    await em.nativeUpdate(MfaTicket, { user: user.id }, { expiresAt: new Date(Date.now() - 1) });
    await awayFromStepEdge();
    const res = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret) });
    expect(codeOf(res)).toBe('TOKEN_EXPIRED');
    const unknown = await server.gql(COMPLETE, { mfaTicket: 'x'.repeat(43), code: '123456' });
    expect(codeOf(unknown)).toBe('INVALID_TOKEN');
  });

  it('finishes a ticket on another server process sharing the database', async () => {
    const { email } = await createActiveUser(server);
    const { secret } = await enableTotp(server, email);
    const mfaTicket = await passwordTicket(server, email, PASSWORD);
    const other = await startTestServer({ DATABASE_URL: server.databaseUrl, APP_NAME: 'Acme' });
    try {
      await awayFromStepEdge();
      const done = await other.gql(COMPLETE, { mfaTicket, code: totpCode(secret) });
      expect(done.errors).toBeUndefined();
      expect(amrOf(done.data!.completeSignIn.accessToken)).toEqual(['pwd', 'otp']);
    } finally {
      await other.close();
    }
  });
});

describe('secret rotation', () => {
  it('after JWT_SECRET is rotated, TOTP secrets and recovery codes made under the old one still work', async () => {
    const { email } = await createActiveUser(server);
    const { secret, recoveryCodes } = await enableTotp(server, email);
    const rotated = await startTestServer({
      DATABASE_URL: server.databaseUrl,
      JWT_SECRET: 'a-new-secret-for-authql-tests-0123456789abcdef',
      JWT_PREVIOUS_SECRETS: TEST_SECRET,
    });
    try {
      await awayFromStepEdge();
      const totp = await rotated.gql(COMPLETE, {
        mfaTicket: await passwordTicket(rotated, email, PASSWORD),
        code: totpCode(secret),
      });
      expect(totp.errors).toBeUndefined();
      const recovery = await rotated.gql(COMPLETE, {
        mfaTicket: await passwordTicket(rotated, email, PASSWORD),
        code: recoveryCodes[0],
      });
      expect(recovery.errors).toBeUndefined();
    } finally {
      await rotated.close();
    }
  });
});

describe('turning TOTP off and replacing recovery codes', () => {
  it('disableTotp needs the password, mails the owner, kills open tickets and the recovery codes', async () => {
    const { email } = await createActiveUser(server);
    const { tokens, recoveryCodes } = await enableTotp(server, email, {
      'user-agent': 'mfa-on/1.0',
    });
    const open = await passwordTicket(server, email, PASSWORD);
    const token = { token: tokens.accessToken };
    const wrong = await server.gql(DISABLE_TOTP, { password: 'not the password' }, token);
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    const before = server.inbox.for(email).length;
    const disabled = await server.gql(
      DISABLE_TOTP,
      { password: PASSWORD },
      { ...token, headers: { 'user-agent': 'mfa-off/1.0' } },
    );
    expect(disabled.data).toEqual({ disableTotp: true });
    // Both switches carry the client, like every other security event.
    const events = await server.gql(`{ securityEvents { type ip userAgent } }`, {}, token);
    const switches = (events.data!.securityEvents as Array<{ type: string }>).filter((e) =>
      e.type.startsWith('mfa_'),
    );
    expect(switches).toEqual([
      { type: 'mfa_disabled', ip: '127.0.0.1', userAgent: 'mfa-off/1.0' },
      { type: 'mfa_enabled', ip: '127.0.0.1', userAgent: 'mfa-on/1.0' },
    ]);
    expect((await server.inbox.waitFor(email, before + 1)).subject).toBe(
      'Two-step verification is off',
    );
    expect((await server.gql(ME_MFA, {}, token)).data!.me.mfaEnabled).toBe(false);
    expect(codeOf(await server.gql(COMPLETE, { mfaTicket: open, code: recoveryCodes[0] }))).toBe(
      'INVALID_TOKEN',
    );
    const plain = await signIn(server, email);
    expect(amrOf(plain.accessToken)).toEqual(['pwd']);
  });

  it('regenerateRecoveryCodes needs the password; the old codes stop working, the new ones work', async () => {
    const { email } = await createActiveUser(server);
    const { tokens, recoveryCodes } = await enableTotp(server, email);
    const token = { token: tokens.accessToken };
    expect(codeOf(await server.gql(REGENERATE, { password: 'nope nope nope' }, token))).toBe(
      'UNAUTHENTICATED',
    );
    const res = await server.gql(REGENERATE, { password: PASSWORD }, token);
    expect(res.errors).toBeUndefined();
    const fresh = res.data!.regenerateRecoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);
    const ticket = await passwordTicket(server, email, PASSWORD);
    expect(codeOf(await server.gql(COMPLETE, { mfaTicket: ticket, code: recoveryCodes[0] }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await server.gql(COMPLETE, { mfaTicket: ticket, code: fresh[0] })).errors,
    ).toBeUndefined();
  });
});

describe('failed second factors', () => {
  const METRICS_TOKEN = 'metrics-token-for-the-mfa-tests-0123456789';
  let watched: TestServer;
  beforeAll(async () => {
    watched = await startTestServer({ APP_NAME: 'Acme', METRICS_TOKEN });
  });
  afterAll(() => watched.close());

  const scrape = async () =>
    (
      await fetch(`${watched.origin}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
    ).text();
  const failedSecondFactors = async () =>
    sample(await scrape(), 'authql_sign_ins_total', {
      method: 'PASSWORD',
      outcome: 'invalid_second_factor',
    }) ?? 0;
  const EVENTS = `{ securityEvents(limit: 100) { type method factor ip } }`;

  it('12 wrong codes sent at once on one ticket: at most 5 are checked, then the ticket is dead', async () => {
    const { email } = await createActiveUser(watched);
    const { secret, tokens } = await enableTotp(watched, email);
    const mfaTicket = await passwordTicket(watched, email, PASSWORD);
    await awayFromStepEdge();
    const right = totpCode(secret);
    const wrong = right === '123456' ? '654321' : '123456';
    const metricBefore = await failedSecondFactors();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => watched.gql(COMPLETE, { mfaTicket, code: wrong })),
    );
    const checked = results.filter((r) => codeOf(r) === 'UNAUTHENTICATED');
    // Each checked code answered "Invalid code."; every other one found the ticket's tries taken.
    expect(checked).toHaveLength(5);
    for (const r of checked) expect(r.errors![0]!.message).toBe('Invalid code.');
    expect(results.filter((r) => codeOf(r) === 'INVALID_TOKEN')).toHaveLength(7);
    // The right code comes too late: the ticket is dead.
    expect(codeOf(await watched.gql(COMPLETE, { mfaTicket, code: right }))).toBe('INVALID_TOKEN');

    // Exactly the checked codes are recorded: 5 events (second factor, after a password) and 5 counts.
    const events = (await watched.gql(EVENTS, {}, { token: tokens.accessToken })).data!
      .securityEvents as Array<{ type: string }>;
    expect(events.filter((e) => e.type === 'sign_in_failed')).toEqual(
      Array.from({ length: 5 }, () => ({
        type: 'sign_in_failed',
        method: 'PASSWORD',
        factor: 'SECOND',
        ip: '127.0.0.1',
      })),
    );
    expect((await failedSecondFactors()) - metricBefore).toBe(5);
  });

  it('a wrong second factor after a right password mails the owner, once per ticket', async () => {
    const { email } = await createActiveUser(watched);
    const { secret, recoveryCodes } = await enableTotp(watched, email);
    await awayFromStepEdge();
    const right = totpCode(secret);
    const wrong = right === '111111' ? '222222' : '111111';
    const before = watched.inbox.for(email).length;
    const first = await passwordTicket(watched, email, PASSWORD);
    for (let i = 0; i < 3; i++)
      expect(codeOf(await watched.gql(COMPLETE, { mfaTicket: first, code: wrong }))).toBe(
        'UNAUTHENTICATED',
      );
    // A wrong recovery code is a failed second factor too.
    const badRecovery = recoveryCodes[0]!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    expect(codeOf(await watched.gql(COMPLETE, { mfaTicket: first, code: badRecovery }))).toBe(
      'UNAUTHENTICATED',
    );
    const mail = await watched.inbox.waitFor(email, before + 1);
    expect(mail.subject).toBe('Someone entered your password');
    expect(mail.text).toContain('right password for your Acme account');
    expect(mail.text).toContain('change it');
    // A new ticket, a new mail; a right code after it sends none.
    const second = await passwordTicket(watched, email, PASSWORD);
    await watched.gql(COMPLETE, { mfaTicket: second, code: wrong });
    await watched.inbox.waitFor(email, before + 2);
    const third = await passwordTicket(watched, email, PASSWORD);
    expect((await watched.gql(COMPLETE, { mfaTicket: third, code: right })).errors).toBeUndefined();
    await sleep(300);
    const notices = watched.inbox
      .for(email)
      .slice(before)
      .filter((m) => m.subject === 'Someone entered your password');
    expect(notices).toHaveLength(2);
  });
});

describe('limits and production mode', () => {
  it('wrong codes spend the account failure budget shared with signIn (taken before the check)', async () => {
    const limited = await startTestServer({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    try {
      const { email } = await createActiveUser(limited);
      const { secret } = await enableTotp(limited, email);
      const mfaTicket = await passwordTicket(limited, email, PASSWORD);
      await awayFromStepEdge();
      const right = totpCode(secret);
      const wrong = right === '111111' ? '222222' : '111111';
      for (let i = 0; i < 3; i++) {
        expect(codeOf(await limited.gql(COMPLETE, { mfaTicket, code: wrong }))).toBe(
          'UNAUTHENTICATED',
        );
      }
      const refused = await limited.gql(COMPLETE, { mfaTicket, code: right });
      expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
      expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
      expect(codeOf(await limited.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
        'TOO_MANY_REQUESTS',
      );
    } finally {
      await limited.close();
    }
  });

  it('signing in again with the password does not buy a fresh run of code guesses', async () => {
    const limited = await startTestServer({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '6' });
    try {
      const { email } = await createActiveUser(limited);
      const { secret } = await enableTotp(limited, email);
      await awayFromStepEdge();
      const right = totpCode(secret);
      const wrong = right === '111111' ? '222222' : '111111';
      const first = await passwordTicket(limited, email, PASSWORD);
      for (let i = 0; i < 5; i++) await limited.gql(COMPLETE, { mfaTicket: first, code: wrong });
      // The right password gives back its own point only: the 5 wrong codes still count.
      const second = await passwordTicket(limited, email, PASSWORD);
      expect(codeOf(await limited.gql(COMPLETE, { mfaTicket: second, code: wrong }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(codeOf(await limited.gql(COMPLETE, { mfaTicket: second, code: right }))).toBe(
        'TOO_MANY_REQUESTS',
      );
    } finally {
      await limited.close();
    }
  });

  it('in production the MFA_REQUIRED extensions reach the client and the flow completes', async () => {
    const prod = await startTestServer({ NODE_ENV: 'production', BCRYPT_COST: '10' });
    try {
      const { email } = await createActiveUser(prod);
      const { secret } = await enableTotp(prod, email);
      const mfaTicket = await passwordTicket(prod, email, PASSWORD);
      await awayFromStepEdge();
      const done = await prod.gql(COMPLETE, { mfaTicket, code: totpCode(secret) });
      expect(done.errors).toBeUndefined();
      expect(amrOf(done.data!.completeSignIn.accessToken)).toEqual(['pwd', 'otp']);
    } finally {
      await prod.close();
    }
  });
});
