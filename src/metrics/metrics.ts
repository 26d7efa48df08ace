import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Counts by two bounded labels, kept as plain numbers: the hot path builds no label strings. */
class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  add(a: string, b: string): void {
    let inner = this.counts.get(a);
    if (!inner) this.counts.set(a, (inner = new Map()));
    inner.set(b, (inner.get(b) ?? 0) + 1);
  }

  /** Writes the totals into a counter at scrape time (prom-client counters only go up: reset first). */
  exportTo(counter: Counter<string>, [first, second]: [string, string]): void {
    counter.reset();
    for (const [a, inner] of this.counts) {
      for (const [b, n] of inner) counter.inc({ [first]: a, [second]: b }, n);
    }
  }
}

/** Something whose cache hits and misses are counted (plain numbers, read at scrape time). */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
}

/** Read at scrape time: the outbox's pending rows per kind and the age of the oldest. */
export type OutboxProbe = () => Promise<
  Array<{ kind: string; depth: number; oldestAgeSec: number }>
>;

export interface MetricsSources {
  bcryptQueueLength: () => number;
  caches: Record<string, CacheStats>;
  outbox: OutboxProbe;
}

/**
 * Prometheus metrics of one app instance, on a registry of its own (tests run several apps in one
 * process). When METRICS_TOKEN is unset nothing is registered and every record call returns at once.
 */
export class Metrics {
  readonly registry: Registry | null;
  private readonly operations = new Tally();
  private readonly signIns = new Tally();
  private readonly refusals = new Tally();
  private readonly bcryptWait: Histogram<string> | null = null;

  constructor(enabled: boolean, sources: MetricsSources | null = null) {
    this.registry = enabled ? new Registry() : null;
    if (!this.registry || !sources) return;
    const registers = [this.registry];
    // Unprefixed (process_*, nodejs_*): the names Node.js dashboards expect.
    collectDefaultMetrics({ register: this.registry });
    const tallied = (name: string, help: string, labelNames: [string, string], tally: Tally) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          tally.exportTo(this, labelNames);
        },
      });
    tallied(
      'authql_graphql_operations_total',
      'Root fields resolved, by field name and outcome (ok or the error code).',
      ['operation', 'outcome'],
      this.operations,
    );
    tallied(
      'authql_sign_ins_total',
      'Sign-in attempts by method (PASSWORD, EMAIL_CODE, PASSKEY, OAUTH) and outcome.',
      ['method', 'outcome'],
      this.signIns,
    );
    tallied(
      'authql_rate_limit_refusals_total',
      'Requests refused by a rate limit (TOO_MANY_REQUESTS), by the limit that refused.',
      ['limit', 'operation'],
      this.refusals,
    );
    new Gauge({
      name: 'authql_bcrypt_queue_length',
      help: 'Password hashes waiting for a bcrypt thread.',
      registers,
      collect() {
        this.set(sources.bcryptQueueLength());
      },
    });
    this.bcryptWait = new Histogram({
      name: 'authql_bcrypt_wait_seconds',
      help: 'Time a password hash waited for a bcrypt thread.',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const caches = Object.entries(sources.caches);
    new Counter({
      name: 'authql_cache_requests_total',
      help: 'Cache lookups by cache and result (hit or miss); hit ratio = hit / (hit + miss).',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        this.reset();
        for (const [cache, stats] of caches) {
          this.inc({ cache, result: 'hit' }, stats.hits);
          this.inc({ cache, result: 'miss' }, stats.misses);
        }
      },
    });
    new Gauge({
      name: 'authql_cache_hit_ratio',
      help: 'Share of cache lookups answered from memory since the process started.',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const [cache, { hits, misses }] of caches) {
          this.set({ cache }, hits + misses === 0 ? 0 : hits / (hits + misses));
        }
      },
    });
    // One database read per scrape feeds both outbox gauges.
    let pending: Promise<Awaited<ReturnType<OutboxProbe>>> | null = null;
    const probe = () =>
      (pending ??= sources
        .outbox()
        // A database that is down must not fail the whole scrape: the process metrics still help.
        .catch(() => [])
        .finally(() => setImmediate(() => (pending = null))));
    new Gauge({
      name: 'authql_outbox_depth',
      help: 'Outbox rows (mail, webhook) waiting to be delivered; failed-for-good rows excluded.',
      labelNames: ['kind'],
      registers,
      async collect() {
        this.reset();
        for (const row of await probe()) this.set({ kind: row.kind }, row.depth);
      },
    });
    new Gauge({
      name: 'authql_outbox_oldest_age_seconds',
      help: 'Age of the oldest outbox row waiting to be delivered (0 when empty).',
      labelNames: ['kind'],
      registers,
      async collect() {
        this.reset();
        for (const row of await probe()) this.set({ kind: row.kind }, row.oldestAgeSec);
      },
    });
  }

  get enabled(): boolean {
    return this.registry !== null;
  }

  /** A root field was resolved: `outcome` is `ok` or its error code (a closed set). */
  operation(name: string, outcome: string): void {
    if (this.registry) this.operations.add(name, outcome);
  }

  signIn(method: string, outcome: string): void {
    if (this.registry) this.signIns.add(method, outcome);
  }

  rateLimited(limit: string, operation: string): void {
    if (this.registry) this.refusals.add(limit, operation);
  }

  bcryptWaited(ms: number): void {
    this.bcryptWait?.observe(ms / 1000);
  }

  /** The Prometheus text exposition; null when metrics are off. */
  async render(): Promise<{ contentType: string; body: string } | null> {
    if (!this.registry) return null;
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
