import { linkToken } from './helpers/inbox';
import {
  ACTIVATE,
  codeOf,
  PASSWORD,
  SIGN_IN,
  SIGN_UP,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { APP_URL, startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('signUp', () => {
  it('answers true and mails an activation link built from APP_URL, in a text and an HTML part', async () => {
    const email = uniqueEmail();
    const res = await server.gql(
      SIGN_UP,
      { email, password: PASSWORD },
      { headers: { host: 'evil.example' } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ signUp: true });
    const mail = await server.inbox.waitFor(email);
    expect(mail.subject).toMatch(/activate/i);
    const token = linkToken(mail, '/activate');
    expect(mail.text).toContain(`${APP_URL}/activate?token=`);
    expect(mail.html).toContain(`${APP_URL}/activate?token=`);
    expect(mail.raw).not.toContain('evil.example');
    expect(token.split('.')).toHaveLength(3);
  });

  it('creates an inactive account that activates once and then signs in', async () => {
    const email = uniqueEmail();
    const token = await signUpAndGetActivationToken(server, email);
    const activated = await server.gql(ACTIVATE, { token });
    expect(activated.errors).toBeUndefined();
    expect(activated.data!.activateAccount).toMatchObject({ email, role: 'USER', isActive: true });
    expect(new Date(activated.data!.activateAccount.createdAt).getTime()).toBeGreaterThan(
      Date.now() - 60_000,
    );
    const tokens = await signIn(server, email);
    expect(tokens.user).toMatchObject({ email, isActive: true });
  });

  it('normalises the address: trimmed and lower-cased, one account per address', async () => {
    const email = uniqueEmail('MiXeD');
    const signedUp = await server.gql(SIGN_UP, {
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
    });
    expect(signedUp.data).toEqual({ signUp: true });
    const token = linkToken(await server.inbox.waitFor(email.toLowerCase()), '/activate');
    const activated = await server.gql(ACTIVATE, { token });
    expect(activated.data!.activateAccount.email).toBe(email.toLowerCase());
    const res = await server.gql(SIGN_IN, { email: ` ${email.toUpperCase()}`, password: PASSWORD });
    expect(res.errors).toBeUndefined();
  });

  it('answers a known, active address exactly like a new one and mails the owner a notice instead', async () => {
    const email = uniqueEmail();
    const token = await signUpAndGetActivationToken(server, email);
    await server.gql(ACTIVATE, { token });
    const again = await server.gql(SIGN_UP, { email, password: 'another fine passphrase' });
    const fresh = await server.gql(SIGN_UP, {
      email: uniqueEmail(),
      password: 'another fine passphrase',
    });
    expect(again.status).toBe(fresh.status);
    expect(again.body).toEqual(fresh.body);
    const notice = await server.inbox.waitFor(email, 2);
    expect(notice.subject).toMatch(/tried to sign up/i);
    expect(notice.text).not.toMatch(/token=/);
    // The password of the existing account is unchanged.
    const res = await server.gql(SIGN_IN, { email, password: 'another fine passphrase' });
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    await signIn(server, email);
  });

  it('sends a fresh activation link when a not-yet-active address signs up again; the first used voids the other', async () => {
    const email = uniqueEmail();
    const first = await signUpAndGetActivationToken(server, email);
    const second = await signUpAndGetActivationToken(server, email);
    expect(second).not.toBe(first);
    // Each sign-up keeps its own link (bound to its own password, tests/pre-takeover.test.ts).
    expect((await server.gql(ACTIVATE, { token: second })).errors).toBeUndefined();
    expect(codeOf(await server.gql(ACTIVATE, { token: first }))).toBe('INVALID_TOKEN');
  });

  it('makes one account from parallel sign-ups of one address', async () => {
    const email = uniqueEmail();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => server.gql(SIGN_UP, { email, password: PASSWORD })),
    );
    for (const res of results) expect(res.data).toEqual({ signUp: true });
    await server.inbox.waitFor(email, 10);
    const count = await server.app.orm.em
      .fork()
      .getConnection()
      .execute('select count(*) as n from users where email = ?', [email]);
    expect(Number(count[0].n)).toBe(1);
  });

  it('accepts long passphrases with spaces, Unicode and emoji up to 72 bytes', async () => {
    for (const password of ['ünïcödé pässwörd ñ', '🔐🦄🌈🚀 emoji pass', 'a'.repeat(70) + 'xy']) {
      const email = uniqueEmail();
      const token = await signUpAndGetActivationToken(server, email, password);
      await server.gql(ACTIVATE, { token });
      await signIn(server, email, password);
    }
  });

  describe('refuses bad input with BAD_USER_INPUT and a readable message, sending no mail', () => {
    const cases: Array<[string, () => { email: string; password: string }, RegExp]> = [
      ['an invalid email', () => ({ email: 'not-an-email', password: PASSWORD }), /valid email/i],
      [
        'an email with a header injection',
        () => ({ email: 'a@b.com\r\nBcc: x@y.com', password: PASSWORD }),
        /valid email/i,
      ],
      [
        'a 10,000-character email',
        () => ({ email: 'a'.repeat(10_000) + '@example.com', password: PASSWORD }),
        /valid email/i,
      ],
      [
        'a 7-character password',
        () => ({ email: uniqueEmail(), password: 'abc1234' }),
        /too short/i,
      ],
      [
        'a password over 72 bytes',
        () => ({ email: uniqueEmail(), password: 'x'.repeat(73) }),
        /too long/i,
      ],
      [
        '72 characters of 2-byte letters (144 bytes)',
        () => ({ email: uniqueEmail(), password: 'é'.repeat(72) }),
        /too long/i,
      ],
      [
        'a 50 kB password',
        () => ({ email: uniqueEmail(), password: 'y'.repeat(50_000) }),
        /too long/i,
      ],
      [
        'a common password',
        () => ({ email: uniqueEmail(), password: 'password123' }),
        /too common/i,
      ],
      [
        'a common password in capitals',
        () => ({ email: uniqueEmail(), password: 'QWERTYUIOP' }),
        /too common/i,
      ],
    ];
    // Every address a refused request named: none of them may receive mail.
    const refused: string[] = [];
    it.each(cases)('%s', async (_label, input, message) => {
      const { email, password } = input();
      refused.push(email.trim().toLowerCase());
      const res = await server.gql(SIGN_UP, { email, password });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message).toMatch(message);
      expect(res.data).toBeNull();
    });

    it('a 1 MB password: refused by the 100 kB body limit before anything runs', async () => {
      const res = await server.gql(SIGN_UP, {
        email: uniqueEmail(),
        password: 'y'.repeat(1_000_000),
      });
      expect(res.status).toBe(413);
    });

    it('a password equal to the email', async () => {
      const email = uniqueEmail('longlocalpart');
      refused.push(email);
      const res = await server.gql(SIGN_UP, { email, password: email.toUpperCase() });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message).toMatch(/email/i);
    });

    afterAll(async () => {
      await new Promise((r) => setTimeout(r, 500));
      expect(refused.length).toBeGreaterThan(5);
      expect(
        server.inbox.messages.filter((m) => refused.includes(m.to) || m.to === 'x@y.com'),
      ).toEqual([]);
    });
  });
});
