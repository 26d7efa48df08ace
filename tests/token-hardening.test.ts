import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { ConfigError, loadConfig } from '../src/config';
import { codeOf, createActiveUser, ME, signIn } from './helpers/flows';
import { startTestServer, TEST_KEYS, TEST_SECRET, type TestServer } from './helpers/server';

// tests/access-token.test.ts covers algorithms, exp, iss/aud/typ and kid; this file adds skew, nbf
// within and beyond it, and the key-carrying headers (jwk, jku, x5u).
let server: TestServer;
let claims: jwt.JwtPayload;
let kid: string;
let keyServer: Server;
let keyServerHits = 0;
let keyUrl: string;
beforeAll(async () => {
  server = await startTestServer({ JWT_CLOCK_SKEW: '30' });
  const user = await createActiveUser(server);
  const decoded = jwt.decode((await signIn(server, user.email)).accessToken, { complete: true })!;
  claims = decoded.payload as jwt.JwtPayload;
  kid = decoded.header.kid!;
  // Where a server that followed jku/x5u would go for its key.
  keyServer = createServer((_req, res) => {
    keyServerHits++;
    res.end('{}');
  });
  await new Promise<void>((r) => keyServer.listen(0, '127.0.0.1', r));
  keyUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/keys`;
});
afterAll(async () => {
  await server.close();
  await new Promise((r) => keyServer.close(r));
});

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hs256 = (header: object, payload: object, key: string | Buffer = TEST_KEYS.access) => {
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${createHmac('sha256', key).update(data).digest('base64url')}`;
};
const meWith = async (token: string) => codeOf(await server.gql(ME, {}, { token }));
const now = () => Math.floor(Date.now() / 1000);

describe('clock skew (JWT_CLOCK_SKEW=30)', () => {
  const header = () => ({ alg: 'HS256', typ: 'JWT', kid });

  it('honours exp within the skew and refuses it beyond', async () => {
    expect(await meWith(hs256(header(), { ...claims, iat: now() - 900, exp: now() - 10 }))).toBe(
      undefined,
    );
    expect(await meWith(hs256(header(), { ...claims, iat: now() - 900, exp: now() - 90 }))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('honours nbf: within the skew accepted, beyond it refused', async () => {
    expect(await meWith(hs256(header(), { ...claims, nbf: now() + 10 }))).toBe(undefined);
    expect(await meWith(hs256(header(), { ...claims, nbf: now() + 90 }))).toBe('UNAUTHENTICATED');
  });

  it('accepts no JWT_CLOCK_SKEW above 60 seconds', () => {
    expect(() => loadConfig({ JWT_SECRET: TEST_SECRET, JWT_CLOCK_SKEW: '61' })).toThrow(
      ConfigError,
    );
  });
});

describe('key-carrying headers never choose the key', () => {
  it('refuses a token signed with an attacker RSA key embedded as jwk', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = { alg: 'RS256', typ: 'JWT', jwk: publicKey.export({ format: 'jwk' }) };
    const data = `${b64(header)}.${b64(claims)}`;
    const token = `${data}.${sign('sha256', Buffer.from(data), privateKey).toString('base64url')}`;
    // The token is sound for anyone who trusts its own jwk.
    expect(() => jwt.verify(token, publicKey, { algorithms: ['RS256'] })).not.toThrow();
    expect(await meWith(token)).toBe('UNAUTHENTICATED');
  });

  it('refuses an HS256 token signed with an attacker secret embedded as an oct jwk', async () => {
    const secret = 'attacker-controlled-secret-0123456789abcdef';
    const jwk = { kty: 'oct', k: Buffer.from(secret).toString('base64url') };
    expect(await meWith(hs256({ alg: 'HS256', typ: 'JWT', kid, jwk }, claims, secret))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses tokens pointing at an attacker key by jku or x5u, without fetching it', async () => {
    const secret = 'attacker-controlled-secret-0123456789abcdef';
    for (const extra of [{ jku: keyUrl }, { x5u: keyUrl }]) {
      expect(await meWith(hs256({ alg: 'HS256', typ: 'JWT', kid, ...extra }, claims, secret))).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect(keyServerHits).toBe(0);
  });

  it('ignores those headers on a token the server did sign (control: the key is ours, not theirs)', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid, jku: keyUrl, x5u: keyUrl };
    expect(await meWith(hs256(header, claims))).toBe(undefined);
    expect(keyServerHits).toBe(0);
  });
});
