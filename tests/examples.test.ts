import { createPrivateKey } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { quickstart } from '../examples/client/quickstart';
import { createOrdersService } from '../examples/service/orders-service';
import { loadConfig } from '../src/config';
import { createActiveUser, PASSWORD, signIn, uniqueEmail } from './helpers/flows';
import { linkToken } from './helpers/inbox';
import { testKeyPair } from './helpers/keys';
import { startTestServer, TEST_KEYS, type TestServer } from './helpers/server';

interface OrdersService {
  url: string;
  close(): Promise<void>;
}

/** The example service on a free port, trusting `server`'s JWKS. */
async function startOrdersService(server: TestServer): Promise<OrdersService> {
  const orders = createOrdersService({ authqlOrigin: server.origin });
  await new Promise<void>((resolve) => orders.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(orders.address() as AddressInfo).port}/orders`,
    close: () => new Promise<void>((resolve) => orders.close(() => resolve())),
  };
}

describe('examples/client against a live authql', () => {
  let server: TestServer;
  beforeAll(async () => {
    // No SMTP_URL: mail goes to the development outbox the example reads, as after `npm start`.
    // Short enough for the quickstart to wait out, long enough that a token just refreshed under a
    // loaded CI machine cannot expire before its request is served (1 s did: `exp` rounds down).
    server = await startTestServer({ SMTP_URL: '', ACCESS_TOKEN_TTL: '4s' });
  });
  afterAll(() => server.close());

  it('signs up, activates from the outbox, signs in, refreshes on expiry and signs out', async () => {
    const email = uniqueEmail('quickstart');
    const result = await quickstart({
      url: server.url,
      email,
      password: PASSWORD,
      outboxDir: server.config.mail.outboxDir,
      waitForExpiry: true,
    });
    expect(result.user).toMatchObject({ email, isActive: true, role: 'USER' });
    // The expired token was refreshed by the client itself, once.
    expect(result.refreshes).toBe(1);
    expect(result.changes).toEqual([email, null]);
  });
});

describe('examples/service protects its route with authql tokens through the JWKS', () => {
  const keys = testKeyPair('ES256');
  let server: TestServer;
  let orders: OrdersService;
  beforeAll(async () => {
    server = await startTestServer({ JWT_PRIVATE_KEY: keys.privatePem });
    orders = await startOrdersService(server);
  });
  afterAll(async () => {
    await orders.close();
    await server.close();
  });

  const get = (token?: string) =>
    fetch(orders.url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 200 with the user id for an authql access token', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const res = await get(accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: user.id, orders: [] });
  });

  it('answers 401 without a token, for expired, foreign-audience, HS256 and activation tokens', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const { header, payload } = jwt.decode(accessToken, { complete: true })!;
    if (typeof payload === 'string') throw new Error('unexpected string payload');
    const key = createPrivateKey(keys.privatePem);
    const { iat: _iat, exp: _exp, aud: _aud, ...claims } = payload;
    const now = Math.floor(Date.now() / 1000);
    const sign = (extra: object, options: jwt.SignOptions = {}) =>
      jwt.sign({ ...claims, ...extra }, key, { algorithm: 'ES256', keyid: header.kid, ...options });
    const email = uniqueEmail();
    await server.gql(
      'mutation ($e: String!, $p: String!) { signUp(input: { email: $e, password: $p }) }',
      {
        e: email,
        p: PASSWORD,
      },
    );
    const activation = linkToken(await server.inbox.waitFor(email), '/activate');
    const refused = [
      undefined,
      'garbage',
      sign({ aud: 'authql', iat: now - 600, exp: now - 300 }),
      sign({ aud: 'another-api', exp: now + 300 }),
      sign({ aud: 'authql', exp: now + 300, typ: 'activation' }),
      jwt.sign({ ...claims, aud: 'authql' }, TEST_KEYS.email, {
        algorithm: 'HS256',
        expiresIn: 300,
      }),
      activation,
    ];
    for (const token of refused) {
      const res = await get(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    // Control: the same claims, signed alike but valid, pass.
    expect((await get(sign({ aud: 'authql', exp: now + 300 }))).status).toBe(200);
  });
});

describe('examples/service against a development server started with no key or secret', () => {
  let server: TestServer;
  let orders: OrdersService;
  beforeAll(async () => {
    // What `npm start` runs with: development mode, no JWT_SECRET, no JWT_PRIVATE_KEY.
    server = await startTestServer({
      NODE_ENV: 'development',
      JWT_SECRET: '',
      LOG_LEVEL: 'silent',
    });
    orders = await startOrdersService(server);
  });
  afterAll(async () => {
    await orders.close();
    await server.close();
  });

  it('accepts its access tokens through the JWKS, signed ES256 with a key kept in DATA_DIR', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    expect(jwt.decode(accessToken, { complete: true })!.header.alg).toBe('ES256');
    const res = await fetch(orders.url, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: user.id, orders: [] });
    const keyFile = join(server.config.dataDir, 'jwt-signing-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // Reused on the next start, so tokens and the services' cached JWKS survive a restart.
    expect(loadConfig({ DATA_DIR: server.config.dataDir }).jwt.privateKeyPem).toBe(
      server.config.jwt.privateKeyPem,
    );
  });
});
