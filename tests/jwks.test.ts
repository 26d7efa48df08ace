import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import jwt from 'jsonwebtoken';
import {
  ACTIVATE,
  codeOf,
  ME,
  REFRESH,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { testKeyPair, type TestKeyPair } from './helpers/keys';
import { startTestServer, TEST_KEYS, TEST_SECRET, type TestServer } from './helpers/server';

const jwksUrl = (server: TestServer) => new URL('/.well-known/jwks.json', server.origin);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each([
  // RS256 beside a JWT_SECRET; ES256 alone, as in a production deploy with only a private key.
  { alg: 'RS256' as const, env: {} as Record<string, string> },
  { alg: 'ES256' as const, env: { JWT_SECRET: '' } },
])('$alg access tokens', ({ alg, env }) => {
  let keys: TestKeyPair;
  let server: TestServer;
  let token: string;
  let header: jwt.JwtHeader;
  let claims: jwt.JwtPayload;
  let hmacKid: string;
  beforeAll(async () => {
    keys = testKeyPair(alg);
    server = await startTestServer({ ...env, JWT_PRIVATE_KEY: keys.privatePem });
    const email = uniqueEmail();
    const activation = await signUpAndGetActivationToken(server, email);
    hmacKid = jwt.decode(activation, { complete: true })!.header.kid!;
    expect((await server.gql(ACTIVATE, { token: activation })).errors).toBeUndefined();
    token = (await signIn(server, email)).accessToken;
    const decoded = jwt.decode(token, { complete: true })!;
    header = decoded.header;
    claims = decoded.payload as jwt.JwtPayload;
  });
  afterAll(() => server.close());

  async function expectRefused(forged: string) {
    expect(codeOf(await server.gql(ME, {}, { token: forged }))).toBe('UNAUTHENTICATED');
  }

  it('serves the public key in the JWKS, its kid the RFC 7638 thumbprint', async () => {
    const res = await fetch(jwksUrl(server));
    expect(res.status).toBe(200);
    const { keys: published } = (await res.json()) as { keys: jose.JWK[] };
    expect(published).toHaveLength(1);
    const [jwk] = published as [jose.JWK];
    expect(jwk).toMatchObject({ kty: alg === 'RS256' ? 'RSA' : 'EC', alg, use: 'sig' });
    expect(jwk.kid).toBe(await jose.calculateJwkThumbprint(jwk, 'sha256'));
    expect(jwk).not.toHaveProperty('d');
    expect(header).toMatchObject({ alg, kid: jwk.kid });
  });

  it('access tokens verify with jose against the JWKS fetched over HTTP, and work for `me`', async () => {
    const jwks = jose.createRemoteJWKSet(jwksUrl(server));
    const { payload } = await jose.jwtVerify(token, jwks, {
      issuer: 'authql',
      audience: 'authql',
      algorithms: [alg],
    });
    expect(payload).toMatchObject({ sub: claims.sub, sid: claims.sid, typ: 'access' });
    expect((await server.gql(ME, {}, { token })).errors).toBeUndefined();
  });

  it('activation and refresh keep working on the internal key', async () => {
    const email = uniqueEmail();
    const activation = await signUpAndGetActivationToken(server, email);
    // Emailed tokens are HS256 with the server's own key: the published keys never verify them.
    expect(jwt.decode(activation, { complete: true })!.header.alg).toBe('HS256');
    await expect(
      jose.jwtVerify(activation, jose.createRemoteJWKSet(jwksUrl(server))),
    ).rejects.toThrow();
    expect((await server.gql(ACTIVATE, { token: activation })).errors).toBeUndefined();
    const tokens = await signIn(server, email);
    const refreshed = await server.gql(REFRESH, { refreshToken: tokens.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    expect((await server.gql(ME, {}, { token: tokens.accessToken })).errors).toBeUndefined();
    expect(codeOf(await server.gql(ME, {}, { token: activation }))).toBe('UNAUTHENTICATED');
  });

  it('refuses key confusion: HS256 signed with the public key PEM, or with the server HMAC secret', async () => {
    const hs = (
      secret: string | Buffer,
      h: object = { alg: 'HS256', typ: 'JWT', kid: header.kid },
    ) => {
      const data = `${b64(h)}.${b64(claims)}`;
      return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
    };
    await expectRefused(hs(keys.publicPem));
    await expectRefused(hs(keys.publicPem.trim()));
    // The HMAC key of emailed tokens (JWT_SECRET for RS256 here) never signs access tokens.
    await expectRefused(hs(TEST_SECRET, { alg: 'HS256', typ: 'JWT', kid: hmacKid }));
    await expectRefused(hs(TEST_KEYS.email, { alg: 'HS256', typ: 'JWT', kid: hmacKid }));
    await expectRefused(hs(TEST_SECRET, { alg: 'HS256', typ: 'JWT' }));
  });

  it('refuses alg none, a foreign key under our kid, the other algorithm, a missing kid and embedded keys', async () => {
    const foreignRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const foreignEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const { iat: _iat, exp: _exp, ...body } = claims;
    const sign = (key: jwt.Secret, options: jwt.SignOptions) =>
      jwt.sign(body, key, { expiresIn: 300, ...options });
    const foreignKey = alg === 'RS256' ? foreignRsa : foreignEc;
    const otherAlgKey = alg === 'RS256' ? foreignEc : foreignRsa;
    const foreignJwk = (await jose.exportJWK(foreignKey)) as Record<string, unknown>;
    delete foreignJwk.d;
    const forged = [
      `${b64({ alg: 'none', typ: 'JWT', kid: header.kid })}.${b64(claims)}.`,
      sign(foreignKey, { algorithm: alg, keyid: header.kid }),
      sign(otherAlgKey, { algorithm: alg === 'RS256' ? 'ES256' : 'RS256', keyid: header.kid }),
      sign(foreignKey, { algorithm: alg, header: { alg, jwk: foreignJwk } as jwt.JwtHeader }),
      sign(foreignKey, {
        algorithm: alg,
        header: { alg, jku: 'http://attacker.test/jwks.json', kid: 'attacker' } as jwt.JwtHeader,
      }),
      sign(createPrivateKey(keys.privatePem), { algorithm: alg }),
    ];
    for (const candidate of forged) await expectRefused(candidate);
    // Control: the same claims signed with our key and kid are accepted.
    const control = sign(createPrivateKey(keys.privatePem), { algorithm: alg, keyid: header.kid });
    expect((await server.gql(ME, {}, { token: control })).errors).toBeUndefined();
  });
});

describe('HS256 (no private key)', () => {
  it('publishes an empty key set', async () => {
    const server = await startTestServer();
    try {
      expect(await (await fetch(jwksUrl(server))).json()).toEqual({ keys: [] });
    } finally {
      await server.close();
    }
  });
});
