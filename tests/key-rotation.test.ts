import * as jose from 'jose';
import jwt from 'jsonwebtoken';
import { postGraphql } from './helpers/http';
import { createApp, type App } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import { codeOf, createActiveUser, ME, REFRESH, signIn } from './helpers/flows';
import { testKeyPair } from './helpers/keys';
import { startTestServer, type TestServer } from './helpers/server';

/** The database URL a test server's config was built from, to restart on the same data. */
const databaseUrlOf = (config: Config) =>
  config.database.driver === 'sqlite' ? `sqlite:${config.database.path}` : config.database.url;

/** A restart: the same database and mail settings, new key variables. */
async function restart(first: TestServer, env: Record<string, string>) {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: first.config.dataDir,
    DATABASE_URL: databaseUrlOf(first.config),
    JWT_CLOCK_SKEW: '0',
    BCRYPT_COST: '4',
    SMTP_URL: first.inbox.url,
    ...env,
  });
  const app = await createApp(config);
  const url = await app.listen(0, '127.0.0.1');
  const origin = new URL(url).origin;
  const gql = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
    postGraphql<any>(url, query, variables, { token });
  /** An independent verifier: jose with the JWKS fetched over HTTP from this instance. */
  const verify = (token: string) =>
    jose.jwtVerify(token, jose.createRemoteJWKSet(new URL('/.well-known/jwks.json', origin)), {
      issuer: 'authql',
      audience: 'authql',
      algorithms: ['RS256', 'ES256'],
    });
  return { app, origin, gql, verify };
}

describe('key rotation (RS256 to ES256, same database)', () => {
  const oldKey = testKeyPair('RS256');
  const newKey = testKeyPair('ES256');
  let first: TestServer;
  let running: App | null = null;
  beforeAll(async () => {
    first = await startTestServer({ JWT_SECRET: '', JWT_PRIVATE_KEY: oldKey.privatePem });
  });
  afterAll(async () => {
    await running?.close();
    await first.close();
  });

  it('keeps old tokens valid while the old public key is listed, and refuses them once it is removed', async () => {
    const user = await createActiveUser(first);
    const old = await signIn(first, user.email);
    const oldKid = jwt.decode(old.accessToken, { complete: true })!.header.kid;
    await first.app.close();

    // Restart with the new key, the old public key still accepted and published.
    const rotated = await restart(first, {
      JWT_SECRET: '',
      JWT_PRIVATE_KEY: newKey.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: oldKey.publicPem,
    });
    running = rotated.app;
    const jwks = (await (await fetch(`${rotated.origin}/.well-known/jwks.json`)).json()) as {
      keys: jose.JWK[];
    };
    expect(jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
    expect(jwks.keys[1]!.kid).toBe(oldKid);
    expect((await rotated.gql(ME, {}, old.accessToken)).errors).toBeUndefined();
    await expect(rotated.verify(old.accessToken)).resolves.toMatchObject({
      protectedHeader: { alg: 'RS256', kid: oldKid },
    });
    // The refresh token outlives key rotation; new tokens are ES256 under the new kid.
    const fresh = (await rotated.gql(REFRESH, { refreshToken: old.refreshToken })).data
      .refreshToken;
    await expect(rotated.verify(fresh.accessToken)).resolves.toMatchObject({
      protectedHeader: { alg: 'ES256', kid: jwks.keys[0]!.kid },
    });
    await rotated.app.close();

    // Restart once the old tokens have expired: the old key is gone from the set.
    const retired = await restart(first, { JWT_SECRET: '', JWT_PRIVATE_KEY: newKey.privatePem });
    running = retired.app;
    expect(codeOf((await retired.gql(ME, {}, old.accessToken)) as any)).toBe('UNAUTHENTICATED');
    await expect(retired.verify(old.accessToken)).rejects.toThrow(jose.errors.JWKSNoMatchingKey);
    expect((await retired.gql(ME, {}, fresh.accessToken)).errors).toBeUndefined();
    await expect(retired.verify(fresh.accessToken)).resolves.toBeDefined();
  });
});
