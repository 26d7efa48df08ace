import { randomUUID } from 'node:crypto';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import {
  ACTIVATE,
  codeOf,
  createActiveUser,
  PASSWORD,
  RESEND,
  SIGN_IN,
  SIGN_UP,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { startTestServer, type GqlResult, type TestServer } from './helpers/server';

const WRONG = 'not the right passphrase';
const REDIS = 'redis://127.0.0.1:6379';

const servers: TestServer[] = [];
/** A server whose limits are the given ones (the helper lifts every limit not named). */
async function serverWith(env: Record<string, string>) {
  const server = await startTestServer({
    RATE_LIMIT_PREFIX: `t${randomUUID().slice(0, 8)}`,
    ...env,
  });
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

function expectLimited(res: GqlResult, maxSeconds: number) {
  expect(codeOf(res)).toBe('TOO_MANY_REQUESTS');
  const retryAfter = res.errors![0]!.extensions!.retryAfter;
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(JSON.stringify(res.body)).not.toMatch(/stacktrace/);
}

const aliasedSignIns = (n: number) =>
  `mutation ($email: String!, $password: String!) {\n${Array.from(
    { length: n },
    (_, i) => `  a${i}: signIn(input: { email: $email, password: $password }) { expiresIn }`,
  ).join('\n')}\n}`;

describe('sign-in limits', () => {
  it('locks an address after RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT failures, before checking the password', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    const user = await createActiveUser(server);
    for (let i = 0; i < 3; i++) {
      expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: WRONG }))).toBe(
        'UNAUTHENTICATED',
      );
    }
    // Even the right password is refused now: the check runs before bcrypt.
    expectLimited(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }), 15 * 60);
    // Keyed by the normalised address.
    expectLimited(
      await server.gql(SIGN_IN, { email: ` ${user.email.toUpperCase()}`, password: PASSWORD }),
      15 * 60,
    );
    // Another address is not affected.
    const other = await createActiveUser(server);
    await signIn(server, other.email);
  });

  it('locks an unknown address exactly like a known one (no enumeration through the lockout)', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '2' });
    const ghost = uniqueEmail('ghost');
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push(codeOf(await server.gql(SIGN_IN, { email: ghost, password: PASSWORD })));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'TOO_MANY_REQUESTS']);
  });

  it('never counts a successful sign-in as a failure, and a success ends the run of failures', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    const user = await createActiveUser(server);
    // One after another: concurrent attempts beyond the budget are refused even when right (taken first).
    for (let i = 0; i < 5; i++) await signIn(server, user.email);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) {
        const wrong = await server.gql(SIGN_IN, { email: user.email, password: WRONG });
        expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
      }
      await signIn(server, user.email);
    }
  });

  it('does not stop a locked address from asking for mail (resend now, password reset later)', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '1' });
    const user = await createActiveUser(server);
    await server.gql(SIGN_IN, { email: user.email, password: WRONG });
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'TOO_MANY_REQUESTS',
    );
    const resend = await server.gql(RESEND, { email: user.email });
    expect(resend.errors).toBeUndefined();
    await expect(server.app.services.limits.emailRequest(user.email, '127.0.0.1')).resolves.toBe(
      undefined,
    );
  });

  it('counts attempts per IP one alias at a time; 50 aliases are refused before any runs; a spoofed X-Forwarded-For changes nothing', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_PER_IP: '10' });
    const user = await createActiveUser(server);
    const vars = { email: user.email, password: PASSWORD };
    const fifty = await server.gql(aliasedSignIns(50), vars);
    expect(fifty.status).toBe(400);
    expect(fifty.data).toBeUndefined();
    expect(fifty.errors![0]!.message).toMatch(/alias/i);

    // Mutations run one after another and the first failure stops the rest (signIn is non-null), so
    // the aliases here succeed: each one counts, and exactly 10 ran (the 50 above counted for nothing).
    const fifteen = await server.gql(aliasedSignIns(15), vars);
    expect(fifteen.errors).toHaveLength(1);
    expect(fifteen.errors![0]!.path).toEqual(['a10']);
    expectLimited(fifteen, 15 * 60);
    for (const xff of ['203.0.113.7', '198.51.100.1, 127.0.0.1']) {
      const spoofed = await server.gql(SIGN_IN, vars, { headers: { 'x-forwarded-for': xff } });
      expectLimited(spoofed, 15 * 60);
    }
  });

  it('reads the client IP from X-Forwarded-For only with TRUST_PROXY (here: 1 hop, the test client)', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_PER_IP: '2', TRUST_PROXY: '1' });
    const from = (ip: string) =>
      server.gql(
        SIGN_IN,
        { email: uniqueEmail('ghost'), password: PASSWORD },
        { headers: { 'x-forwarded-for': ip } },
      );
    expect(codeOf(await from('203.0.113.1'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await from('203.0.113.1'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await from('203.0.113.1'))).toBe('TOO_MANY_REQUESTS');
    expect(codeOf(await from('203.0.113.2'))).toBe('UNAUTHENTICATED');
  });
});

describe('mail-sending limits (signUp, resendActivation; requestPasswordReset shares them)', () => {
  it('allows RATE_LIMIT_EMAIL_PER_ADDRESS per address and RATE_LIMIT_EMAIL_PER_IP per IP, shared by both mutations', async () => {
    const server = await serverWith({
      RATE_LIMIT_EMAIL_PER_ADDRESS: '2',
      RATE_LIMIT_EMAIL_PER_IP: '4',
    });
    const a = uniqueEmail();
    expect((await server.gql(SIGN_UP, { email: a, password: PASSWORD })).errors).toBeUndefined();
    expect((await server.gql(RESEND, { email: a })).errors).toBeUndefined();
    await server.inbox.waitFor(a, 2);
    expectLimited(await server.gql(SIGN_UP, { email: a, password: PASSWORD }), 3600);
    expectLimited(await server.gql(RESEND, { email: a.toUpperCase() }), 3600);
    // The IP has now made 4 requests: a fresh address is refused too, and unknown ones the same way.
    expectLimited(await server.gql(RESEND, { email: uniqueEmail('ghost') }), 3600);
    expectLimited(await server.gql(SIGN_UP, { email: uniqueEmail(), password: PASSWORD }), 3600);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.inbox.for(a)).toHaveLength(2);
  });

  it('does not spend the budget on a request refused for bad input', async () => {
    const server = await serverWith({ RATE_LIMIT_EMAIL_PER_ADDRESS: '1' });
    const email = uniqueEmail();
    expect(codeOf(await server.gql(SIGN_UP, { email, password: 'short' }))).toBe('BAD_USER_INPUT');
    expect((await server.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
  });
});

describe('one-time token guessing', () => {
  it('limits activateAccount attempts per IP (RATE_LIMIT_TOKEN_PER_IP), alias by alias', async () => {
    const server = await serverWith({ RATE_LIMIT_TOKEN_PER_IP: '3' });
    const tokens = [];
    for (let i = 0; i < 4; i++)
      tokens.push(await signUpAndGetActivationToken(server, uniqueEmail()));
    const aliased = `mutation {\n${tokens
      .map((t, i) => `  a${i}: activateAccount(token: "${t}") { id }`)
      .join('\n')}\n}`;
    const res = await server.gql(aliased);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.path).toEqual(['a3']);
    expectLimited(res, 15 * 60);
    // Guesses are refused from now on, before any token is looked at.
    expectLimited(await server.gql(ACTIVATE, { token: 'a.guess.x' }), 15 * 60);
  });

  it('counts failed guesses too', async () => {
    const server = await serverWith({ RATE_LIMIT_TOKEN_PER_IP: '2' });
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push(codeOf(await server.gql(ACTIVATE, { token: `guess.${i}.x` })));
    expect(codes).toEqual(['INVALID_TOKEN', 'INVALID_TOKEN', 'TOO_MANY_REQUESTS']);
  });
});

describe.each([
  ['memory', 'memory', false],
  ['database', 'database', true],
  ['redis', REDIS, true],
])('RATE_LIMIT_STORE=%s', (_name, store, shared) => {
  it(`counts attempts${shared ? ' across processes sharing the store' : ' in this process'}`, async () => {
    const server = await serverWith({
      RATE_LIMIT_STORE: store,
      RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '4',
    });
    expect(server.app.services.limits.storeKind).toBe(_name);
    // A second app on the same configuration: same database file or server, same Redis.
    const twin = await createApp(server.config);
    const twinUrl = await twin.listen(0, '127.0.0.1');
    try {
      const email = uniqueEmail('ghost');
      const attempt = async (url: string) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: SIGN_IN, variables: { email, password: PASSWORD } }),
        });
        return codeOf((await res.json()) as any);
      };
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push(await attempt(server.url), await attempt(twinUrl));
      expect(codes.slice(0, 4)).toEqual(Array(4).fill('UNAUTHENTICATED'));
      // Shared: the 5th attempt overall is refused; per process: each has seen only 2 or 3.
      expect(codes.slice(4)).toEqual(
        shared
          ? ['TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS']
          : ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
      );
    } finally {
      await twin.close();
    }
  });
});

describe('store failures', () => {
  it('refuses to boot when the Redis store cannot be reached, naming RATE_LIMIT_STORE', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'sqlite::memory:',
      JWT_SECRET: 'test-secret-for-authql-only-0123456789abcdef',
      BCRYPT_COST: '4',
      RATE_LIMIT_STORE: 'redis://127.0.0.1:1',
    });
    await expect(createApp(config)).rejects.toThrow(/RATE_LIMIT_STORE/);
  });
});
