import { randomBytes } from 'node:crypto';
import { PASSWORD, SIGN_UP, uniqueEmail } from './helpers/flows';
import { requestAlone } from './helpers/http';
import { freePort } from './helpers/inbox';
import { sample } from './helpers/metrics';
import { childrenOf, useProcesses, type AuthqlProcess } from './helpers/process';

/**
 * GET /metrics with WORKERS=2 as users run it (a real primary and two workers, production mode):
 * whichever worker the kernel hands the scrape to, it describes the whole host. Every request opens
 * its own connection, so the primary's round-robin spreads them over both workers.
 */
const TOKEN = randomBytes(24).toString('hex');
const procs = useProcesses({
  NODE_ENV: 'production',
  BCRYPT_COST: '10',
  WORKERS: '2',
  METRICS_TOKEN: TOKEN,
  // Webhooks go to a receiver that is down and are retried much later: they wait in the outbox.
  WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  MAIL_RETRY_BACKOFF: '1h',
});

const OPERATIONS = 20;
const ok = (text: string) =>
  sample(text, 'authql_graphql_operations_total', { operation: 'oauthProviders', outcome: 'ok' });

describe('GET /metrics with WORKERS=2', () => {
  let server: AuthqlProcess;
  const post = (query: string, variables: Record<string, unknown> = {}) =>
    requestAlone(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  const scrape = async (timeoutMs?: number) => {
    const res = await requestAlone(`${server.origin}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      timeoutMs,
    });
    expect(res.status).toBe(200);
    return res.text;
  };

  beforeAll(async () => {
    server = await procs.start({ WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/hooks` });
    for (let i = 0; i < OPERATIONS; i++) {
      expect((await post('{ oauthProviders }')).status).toBe(200);
    }
  });

  it('counts the requests of both workers in every scrape, not those of the worker scraped', async () => {
    for (let i = 0; i < 6; i++) {
      const text = await scrape();
      expect({ scrape: i, ok: ok(text) }).toEqual({ scrape: i, ok: OPERATIONS });
      expect(sample(text, 'authql_metrics_workers', { state: 'included' })).toBe(2);
      expect(sample(text, 'authql_metrics_workers', { state: 'missing' })).toBe(0);
    }
  });

  it('keeps concurrent scrapes apart: each one sums both workers once', async () => {
    const texts = await Promise.all(Array.from({ length: 6 }, () => scrape()));
    for (const text of texts) {
      expect(ok(text)).toBe(OPERATIONS);
      expect(sample(text, 'authql_metrics_workers', { state: 'included' })).toBe(2);
    }
  });

  it('labels by worker the gauges a sum would garble, and reads the outbox once per scrape', async () => {
    const signUps = 3;
    for (let i = 0; i < signUps; i++) {
      await post(SIGN_UP, { email: uniqueEmail('cluster-metrics'), password: PASSWORD });
    }
    for (let i = 0; i < 4; i++) {
      const text = await scrape();
      // Each sign-up queued one user.created webhook: the database holds 3 rows, not 3 per worker.
      expect(sample(text, 'authql_outbox_depth', { kind: 'webhook' })).toBe(signUps);
      expect(
        sample(text, 'authql_outbox_oldest_age_seconds', { kind: 'webhook' }),
      ).toBeGreaterThanOrEqual(0);
      for (const worker of ['1', '2']) {
        expect(sample(text, 'process_max_fds', { worker })).toBeGreaterThan(0);
        expect(sample(text, 'process_start_time_seconds', { worker })).toBeGreaterThan(0);
        expect(sample(text, 'authql_cache_hit_ratio', { cache: 'session', worker })).toBe(0);
      }
      expect(sample(text, 'process_max_fds')).toBeUndefined();
      expect(sample(text, 'authql_cache_hit_ratio', { cache: 'session' })).toBeUndefined();
      expect(text.match(/^nodejs_version_info\{/gm)).toHaveLength(1);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    }
  });

  it('leaves out a worker that does not answer within a second; the scrape still answers', async () => {
    const workers = childrenOf(server.child.pid!);
    expect(workers).toHaveLength(2);
    const stopped = workers[0]!;
    process.kill(stopped, 'SIGSTOP');
    try {
      // The stopped worker may be handed one connection (the primary's round-robin waits for its
      // acknowledgement before giving it another): that scrape never answers and is given up.
      let text: string | undefined;
      let elapsed = 0;
      for (let attempt = 0; attempt < 3 && text === undefined; attempt++) {
        const started = Date.now();
        text = await scrape(3_000).catch(() => undefined);
        elapsed = Date.now() - started;
      }
      expect(text).toBeDefined();
      expect(elapsed).toBeLessThan(2_500);
      expect(sample(text!, 'authql_metrics_workers', { state: 'included' })).toBe(1);
      expect(sample(text!, 'authql_metrics_workers', { state: 'missing' })).toBe(1);
      // Only the worker that answered: some of the requests, not all of them.
      expect(ok(text!)).toBeGreaterThan(0);
      expect(ok(text!)).toBeLessThan(OPERATIONS);
    } finally {
      process.kill(stopped, 'SIGCONT');
    }
    // Back: its late answers to the scrapes above are dropped, and the next scrapes count it again.
    for (let i = 0; i < 4; i++) {
      const text = await scrape();
      expect(ok(text)).toBe(OPERATIONS);
      expect(sample(text, 'authql_metrics_workers', { state: 'included' })).toBe(2);
    }
  });
});
