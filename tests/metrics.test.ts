import { randomBytes } from 'node:crypto';
import { configProblems } from './helpers/config';
import { createActiveUser, ME, PASSWORD, SIGN_IN, signIn, uniqueEmail } from './helpers/flows';
import { freePort } from './helpers/inbox';
import { sample } from './helpers/metrics';
import { startTestServer, type TestServer } from './helpers/server';

const TOKEN = randomBytes(24).toString('hex');

const scrape = (server: TestServer, authorization?: string) =>
  fetch(`${server.origin}/metrics`, {
    headers: authorization ? { authorization } : {},
  });

describe('GET /metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      // How it runs in front of a network: production, real bcrypt cost.
      NODE_ENV: 'production',
      BCRYPT_COST: '10',
      METRICS_TOKEN: TOKEN,
      RATE_LIMIT_SIGNIN_PER_IP: '6',
      // A webhook receiver that is down, retried much later: its events wait in the outbox.
      WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/hooks`,
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      MAIL_RETRY_BACKOFF: '1h',
    });
  });
  afterAll(() => server.close());

  it('answers 404 without the bearer token, with a wrong one, or with another scheme', async () => {
    for (const auth of [
      undefined,
      `Bearer ${TOKEN.slice(0, -1)}x`,
      `bearer ${TOKEN}`,
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      TOKEN,
      'Bearer ',
    ]) {
      const res = await scrape(server, auth);
      expect({ auth, status: res.status }).toEqual({ auth, status: 404 });
      expect(await res.text()).not.toContain('authql_');
    }
  });

  it('counts operations, sign-ins, refusals, bcrypt waits, caches and the outbox', async () => {
    const user = await createActiveUser(server);
    const tokens = await signIn(server, user.email);
    for (let i = 0; i < 5; i++) await server.gql(ME, {}, { token: tokens.accessToken });
    await server.gql(SIGN_IN, { email: user.email, password: 'wrong password 0000' });
    // The per-IP budget (6) runs out: these are refused before any password is checked.
    for (let i = 0; i < 6; i++)
      await server.gql(SIGN_IN, { email: uniqueEmail(), password: PASSWORD });
    await server.gql(`{ me { id } nope }`);

    const res = await scrape(server, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    expect(
      sample(text, 'authql_graphql_operations_total', { operation: 'me', outcome: 'ok' }),
    ).toBe(5);
    expect(
      sample(text, 'authql_graphql_operations_total', { operation: 'signIn', outcome: 'ok' }),
    ).toBe(1);
    expect(
      sample(text, 'authql_graphql_operations_total', {
        operation: 'signIn',
        outcome: 'UNAUTHENTICATED',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'authql_graphql_operations_total', {
        operation: 'signIn',
        outcome: 'TOO_MANY_REQUESTS',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'authql_graphql_operations_total', {
        operation: '(none)',
        outcome: 'GRAPHQL_VALIDATION_FAILED',
      }),
    ).toBe(1);
    expect(sample(text, 'authql_sign_ins_total', { method: 'PASSWORD', outcome: 'success' })).toBe(
      1,
    );
    expect(
      sample(text, 'authql_sign_ins_total', { method: 'PASSWORD', outcome: 'invalid_credentials' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'authql_sign_ins_total', { method: 'PASSWORD', outcome: 'rate_limited' }),
    ).toBe(sample(text, 'authql_rate_limit_refusals_total', { limit: 'ip', operation: 'signIn' }));
    expect(
      sample(text, 'authql_rate_limit_refusals_total', { limit: 'ip', operation: 'signIn' }),
    ).toBeGreaterThanOrEqual(1);

    expect(sample(text, 'authql_bcrypt_queue_length')).toBe(0);
    expect(sample(text, 'authql_bcrypt_wait_seconds_count')).toBeGreaterThanOrEqual(2);
    // Five `me` with one token: the session check is answered from memory after the first.
    expect(
      sample(text, 'authql_cache_requests_total', { cache: 'session', result: 'hit' }),
    ).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'authql_cache_hit_ratio', { cache: 'session' })).toBeGreaterThan(0.5);
    expect(sample(text, 'authql_cache_hit_ratio', { cache: 'user' })).toBeGreaterThan(0);

    // user.created and user.activated wait for the receiver that is down; mail went out.
    expect(sample(text, 'authql_outbox_depth', { kind: 'webhook' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'authql_outbox_oldest_age_seconds', { kind: 'webhook' })).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'authql_outbox_depth', { kind: 'mail' })).toBe(0);

    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // One process (WORKERS=1): no gathering from siblings, no per-worker series.
    expect(text).not.toContain('authql_metrics_workers');
    expect(text).not.toContain('worker=');
    // Labels never carry what a client chose: no email, no operation name.
    expect(text).not.toContain(user.email);
    expect(text).not.toContain('nope');
  });

  it('keeps a registry per app: a second app in this process counts only its own requests', async () => {
    const other = await startTestServer({ METRICS_TOKEN: TOKEN });
    try {
      await other.gql(`{ __typename }`);
      const text = await (await scrape(other, `Bearer ${TOKEN}`)).text();
      expect(
        sample(text, 'authql_graphql_operations_total', { operation: 'me', outcome: 'ok' }),
      ).toBe(undefined);
      expect(
        sample(text, 'authql_graphql_operations_total', { operation: '__typename', outcome: 'ok' }),
      ).toBe(1);
      const first = await (await scrape(server, `Bearer ${TOKEN}`)).text();
      expect(
        sample(first, 'authql_graphql_operations_total', {
          operation: '__typename',
          outcome: 'ok',
        }),
      ).toBe(undefined);
    } finally {
      await other.close();
    }
  });
});

describe('without METRICS_TOKEN', () => {
  it('has no /metrics at all', async () => {
    const server = await startTestServer({ NODE_ENV: 'production', BCRYPT_COST: '10' });
    try {
      expect((await scrape(server)).status).toBe(404);
      expect((await scrape(server, 'Bearer ')).status).toBe(404);
      expect(server.app.services.metrics.enabled).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('refuses a short METRICS_TOKEN at boot', () => {
    expect(configProblems({ METRICS_TOKEN: 'short' })).toEqual([
      expect.stringMatching(/^METRICS_TOKEN must be at least 16 characters/),
    ]);
  });
});
