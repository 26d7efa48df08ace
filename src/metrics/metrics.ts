import type * as PromClient from 'prom-client';
import type { Counter, Histogram, Registry } from 'prom-client';
import { lazyRequire } from '../lazy';

// Loaded by the first Metrics with METRICS_TOKEN set: without it the ~30 ms it costs a start-up buys nothing.
const promClient = lazyRequire<typeof PromClient>('prom-client');

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

/** One process's metrics as prom-client's JSON: what a worker sends a sibling for its scrape. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The other workers of a node:cluster host, asked at scrape time (src/cluster-metrics.ts). */
export interface Siblings {
  /** This worker's `worker` label value. */
  readonly worker: string;
  /** Workers the host runs (WORKERS), this one included. */
  readonly workers: number;
  /** The snapshots of the siblings that answered in time; never rejects. */
  gather(): Promise<MetricsSnapshot[]>;
}

// Gauges whose sum over workers means nothing (a ratio, a per-process limit, a start time): one series
// per worker instead. Everything else is aggregated as prom-client marks it (sum; event-loop lag
// averaged or min/max; the version taken once).
const PER_WORKER = new Set([
  'authql_cache_hit_ratio',
  'process_max_fds',
  'process_start_time_seconds',
]);

/**
 * Prometheus metrics of one app instance, on a registry of its own (tests run several apps in one
 * process). When METRICS_TOKEN is unset nothing is registered and every record call returns at once.
 */
export class Metrics {
  /** This process's own metrics: what a sibling's scrape gathers from it. */
  private readonly registry: Registry | null;
  /** Read from the database, so already host-wide: rendered once per scrape, never summed. */
  private readonly hostWide: Registry | null;
  private siblings: Siblings | null = null;
  private readonly operations = new Tally();
  private readonly signIns = new Tally();
  private readonly refusals = new Tally();
  private readonly bcryptWait: Histogram<string> | null = null;

  constructor(enabled: boolean, sources: MetricsSources | null = null) {
    const prom = enabled ? promClient() : null;
    this.registry = prom ? new prom.Registry() : null;
    this.hostWide = prom ? new prom.Registry() : null;
    if (!prom || !this.registry || !this.hostWide || !sources) return;
    const { collectDefaultMetrics, Counter, Gauge, Histogram } = prom;
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
      registers: [this.hostWide],
      async collect() {
        this.reset();
        for (const row of await probe()) this.set({ kind: row.kind }, row.depth);
      },
    });
    new Gauge({
      name: 'authql_outbox_oldest_age_seconds',
      help: 'Age of the oldest outbox row waiting to be delivered (0 when empty).',
      labelNames: ['kind'],
      registers: [this.hostWide],
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

  /** From now on a scrape here covers every worker of the host (WORKERS > 1). */
  shareWith(siblings: Siblings): void {
    this.siblings = siblings;
  }

  /** This process's own metrics, host-wide gauges left out: what a sibling's scrape gathers. */
  async snapshot(): Promise<MetricsSnapshot> {
    if (!this.registry) return [];
    const metrics = await this.registry.getMetricsAsJSON();
    const worker = this.siblings?.worker;
    if (worker === undefined) return metrics;
    return metrics.map((metric) =>
      PER_WORKER.has(metric.name)
        ? {
            ...metric,
            // Each series now comes from one worker: taken as is, never summed nor omitted.
            aggregator: 'first',
            values: metric.values.map((v) => ({ ...v, labels: { ...v.labels, worker } })),
          }
        : metric,
    );
  }

  /** The Prometheus text exposition; null when metrics are off. */
  async render(): Promise<{ contentType: string; body: string } | null> {
    if (!this.registry || !this.hostWide) return null;
    const { contentType } = this.registry;
    if (!this.siblings) {
      return {
        contentType,
        body: await promClient().Registry.merge([this.registry, this.hostWide]).metrics(),
      };
    }
    const [own, others, hostWide] = await Promise.all([
      this.snapshot(),
      this.siblings.gather(),
      this.hostWide.getMetricsAsJSON(),
    ]);
    const included = 1 + others.length;
    const coverage = {
      name: 'authql_metrics_workers',
      help: 'Workers whose metrics this scrape sums (included) and those that did not answer in time (missing).',
      type: 'gauge',
      aggregator: 'sum',
      values: [
        { labels: { state: 'included' }, value: included },
        { labels: { state: 'missing' }, value: Math.max(0, this.siblings.workers - included) },
      ],
    };
    const host = promClient().AggregatorRegistry.aggregate([own, ...others, hostWide, [coverage]]);
    return { contentType, body: await host.metrics() };
  }
}
