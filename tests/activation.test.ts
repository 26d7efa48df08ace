import jwt from 'jsonwebtoken';
import {
  ACTIVATE,
  codeOf,
  ME,
  RESEND,
  RESET_PASSWORD,
  SIGN_IN,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
  PASSWORD,
  createActiveUser,
} from './helpers/flows';
import { linkToken } from './helpers/inbox';
import { startTestServer, TEST_KEYS, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('activateAccount', () => {
  it('works once: a second use fails with INVALID_TOKEN', async () => {
    const token = await signUpAndGetActivationToken(server, uniqueEmail());
    expect((await server.gql(ACTIVATE, { token })).errors).toBeUndefined();
    const again = await server.gql(ACTIVATE, { token });
    expect(codeOf(again)).toBe('INVALID_TOKEN');
  });

  it('succeeds once under parallel use of one link', async () => {
    const token = await signUpAndGetActivationToken(server, uniqueEmail());
    const results = await Promise.all(
      Array.from({ length: 8 }, () => server.gql(ACTIVATE, { token })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'INVALID_TOKEN')).toHaveLength(7);
  });

  it('refuses a tampered, foreign-signed, unsigned or garbage token with INVALID_TOKEN', async () => {
    const email = uniqueEmail();
    const token = await signUpAndGetActivationToken(server, email);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${signature}`;
    const foreign = jwt.sign(claims, 'another-secret-that-is-long-enough-0123456789', {
      algorithm: 'HS256',
    });
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    for (const bad of [tampered, foreign, none, 'garbage', '', 'a.b.c', token + 'x']) {
      expect(codeOf(await server.gql(ACTIVATE, { token: bad }))).toBe('INVALID_TOKEN');
    }
    // The real link still works after all that.
    expect((await server.gql(ACTIVATE, { token })).errors).toBeUndefined();
  });

  it('refuses an access token used as an activation token, and an activation token used as Bearer', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    expect(codeOf(await server.gql(ACTIVATE, { token: accessToken }))).toBe('INVALID_TOKEN');
    const token = await signUpAndGetActivationToken(server, uniqueEmail());
    expect(codeOf(await server.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
  });

  it('refuses a correctly signed token of another purpose (audience)', async () => {
    const token = await signUpAndGetActivationToken(server, uniqueEmail());
    const claims = jwt.decode(token) as jwt.JwtPayload;
    const asReset = jwt.sign({ ...claims, aud: 'authql:reset', typ: 'reset' }, TEST_KEYS.email, {
      algorithm: 'HS256',
      header: jwt.decode(token, { complete: true })!.header,
    });
    expect(codeOf(await server.gql(ACTIVATE, { token: asReset }))).toBe('INVALID_TOKEN');
  });
});

describe('activation expiry', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ ACTIVATION_TOKEN_TTL: '1s' });
  });
  afterAll(() => short.close());

  it('fails with TOKEN_EXPIRED after ACTIVATION_TOKEN_TTL', async () => {
    const email = uniqueEmail();
    const token = await signUpAndGetActivationToken(short, email);
    await new Promise((r) => setTimeout(r, 1600));
    const res = await short.gql(ACTIVATE, { token });
    expect(codeOf(res)).toBe('TOKEN_EXPIRED');
    expect(codeOf(await short.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
      'ACCOUNT_NOT_ACTIVATED',
    );
  });
});

describe('resendActivation', () => {
  it('mails a link to choose the password, which activates the account and voids the sign-up link', async () => {
    const email = uniqueEmail();
    const first = await signUpAndGetActivationToken(server, email);
    const res = await server.gql(RESEND, { email: email.toUpperCase() });
    expect(res.data).toEqual({ resendActivation: true });
    // Whoever asked for the resend did not necessarily choose the sign-up's password (tests/pre-takeover).
    const choose = linkToken(await server.inbox.waitFor(email, 2), '/reset-password');
    const newPassword = 'chosen on the resent link';
    const set = await server.gql(RESET_PASSWORD, { token: choose, newPassword });
    expect(set.errors).toBeUndefined();
    expect(codeOf(await server.gql(ACTIVATE, { token: first }))).toBe('INVALID_TOKEN');
    await signIn(server, email, newPassword);
  });

  it('answers true for an unknown address and for an active account, and mails neither', async () => {
    const unknown = uniqueEmail('unknown');
    const active = await createActiveUser(server);
    const a = await server.gql(RESEND, { email: unknown });
    const b = await server.gql(RESEND, { email: active.email });
    expect(a.body).toEqual({ data: { resendActivation: true } });
    expect(b.body).toEqual(a.body);
    await new Promise((r) => setTimeout(r, 500));
    expect(server.inbox.for(unknown)).toHaveLength(0);
    expect(server.inbox.for(active.email)).toHaveLength(1);
  });

  it('refuses an invalid address with BAD_USER_INPUT', async () => {
    expect(codeOf(await server.gql(RESEND, { email: 'nope' }))).toBe('BAD_USER_INPUT');
  });
});
