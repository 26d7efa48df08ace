import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { codeOf, createActiveUser, ME, signIn } from './helpers/flows';
import { startTestServer, TEST_KEYS, type TestServer } from './helpers/server';

let server: TestServer;
let valid: string;
let claims: jwt.JwtPayload;
let kid: string;
beforeAll(async () => {
  server = await startTestServer();
  const user = await createActiveUser(server);
  valid = (await signIn(server, user.email)).accessToken;
  const decoded = jwt.decode(valid, { complete: true })!;
  claims = decoded.payload as jwt.JwtPayload;
  kid = decoded.header.kid!;
});
afterAll(() => server.close());

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hmac = (alg: 'sha256' | 'sha384', key: string | Buffer, data: string) =>
  createHmac(alg, key).update(data).digest('base64url');
/** Signs header.payload by hand, so the test controls every byte a forger controls. */
const forge = (
  header: object,
  payload: object,
  key: string | Buffer = TEST_KEYS.access,
  alg: 'sha256' | 'sha384' = 'sha256',
) => {
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${hmac(alg, key, data)}`;
};

async function expectRefused(authorization: string) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: ME }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as any;
  expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  expect(body.data).toBeNull();
}

describe('Bearer access tokens', () => {
  it('accepts the genuine token (control)', async () => {
    const res = await server.gql(ME, {}, { token: valid });
    expect(res.errors).toBeUndefined();
  });

  it('says how the session was signed in (RFC 8176 amr): a password sign-in is ["pwd"]', () => {
    expect(claims.amr).toEqual(['pwd']);
  });

  it('refuses requests with no token', async () => {
    expect(codeOf(await server.gql(ME))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['garbage', 'Bearer garbage'],
    ['no scheme', () => valid],
    ['another scheme', () => `Basic ${valid}`],
    ['four segments', () => `Bearer ${valid}.extra`],
    ['an 8 KB header', () => `Bearer ${'a'.repeat(8 * 1024)}`],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s with UNAUTHENTICATED, never HTTP 500', async (_label, header) => {
    await expectRefused(typeof header === 'function' ? header() : header);
  });

  it('refuses alg none, HS384, a foreign secret and a tampered payload', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const hs384 = forge({ ...header, alg: 'HS384' }, claims, TEST_KEYS.access, 'sha384');
    const foreign = forge(header, claims, 'some-other-secret-0123456789-0123456789');
    const [h, , s] = valid.split('.');
    const tampered = `${h}.${b64({ ...claims, role: 'ADMIN' })}.${s}`;
    for (const token of [none, hs384, foreign, tampered]) await expectRefused(`Bearer ${token}`);
  });

  it('refuses tokens signed with the real secret but without exp, expired, not yet valid, or with a foreign iss, aud, kid or typ', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid };
    const now = Math.floor(Date.now() / 1000);
    const { exp: _exp, ...noExp } = claims;
    const variants = [
      noExp,
      { ...claims, iat: now - 3600, exp: now - 60 },
      { ...claims, nbf: now + 3600 },
      { ...claims, iss: 'someone-else' },
      { ...claims, aud: 'another-api' },
      { ...claims, aud: 'authql:activation', typ: 'activation' },
      { ...claims, typ: 'reset' },
    ];
    for (const payload of variants) await expectRefused(`Bearer ${forge(header, payload)}`);
    await expectRefused(`Bearer ${forge({ ...header, kid: 'attacker-key' }, claims)}`);
    // The same claims with our header and key are accepted: the refusals above are about what changed.
    const control = await server.gql(ME, {}, { token: forge(header, claims) });
    expect(control.errors).toBeUndefined();
  });
});

describe('access token expiry', () => {
  let short: TestServer;
  beforeAll(async () => {
    // 3 s, not 1 s: exp counts from the whole second of iat, so a 1 s token may live only a few ms.
    short = await startTestServer({ ACCESS_TOKEN_TTL: '3s' });
  });
  afterAll(() => short.close());

  it('stops working once expired', async () => {
    const user = await createActiveUser(short);
    const tokens = await signIn(short, user.email);
    expect(tokens.expiresIn).toBe(3);
    expect((await short.gql(ME, {}, { token: tokens.accessToken })).errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 3600));
    expect(codeOf(await short.gql(ME, {}, { token: tokens.accessToken }))).toBe('UNAUTHENTICATED');
  });
});
