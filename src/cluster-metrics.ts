import cluster, { type Worker } from 'node:cluster';
import type { Metrics, MetricsSnapshot } from './metrics/metrics';

/**
 * A scrape of GET /metrics with WORKERS > 1, over the cluster's IPC channel:
 * the scraped worker sends `gather` to the primary, which sends `collect` to every other live worker;
 * each answers with a `snapshot` of its own metrics, and the primary hands those that came in time
 * back as `gathered`. Ids keep concurrent scrapes apart; the primary never loads prom-client.
 */
type Kind = 'metrics:gather' | 'metrics:collect' | 'metrics:snapshot' | 'metrics:gathered';

interface MetricsMessage {
  authql: Kind;
  id: number;
  /** `snapshot`: the worker's metrics; `gathered`: one per sibling that answered. */
  metrics?: MetricsSnapshot | MetricsSnapshot[];
}

function isMessage(msg: unknown, kind: Kind): msg is MetricsMessage {
  const m = msg as Partial<MetricsMessage> | null;
  return typeof m === 'object' && m !== null && m.authql === kind && Number.isSafeInteger(m.id);
}

// A sibling that is busy longer than this (a long GC pause, a blocked loop, stopped) is left out of
// the scrape, which still answers; `authql_metrics_workers{state="missing"}` says so.
const SIBLING_TIMEOUT_MS = 1_000;
// The scraped worker's own bound on the primary: longer, so the primary's partial answer comes first.
const PRIMARY_TIMEOUT_MS = 1_500;

/** A scrape the primary gathers for: the siblings not heard from yet, and what came in. */
interface OpenScrape {
  waiting: Set<Worker>;
  snapshots: MetricsSnapshot[];
  done(): void;
}

/** In the primary: answers a worker's `gather` with the snapshots of its live siblings. */
export function relayMetricsScrapes(): void {
  let last = 0;
  const open = new Map<number, OpenScrape>();
  cluster.on('message', (from, msg: unknown) => {
    if (isMessage(msg, 'metrics:snapshot')) {
      const scrape = open.get(msg.id);
      // A late answer (its scrape already went out) or a duplicate is dropped.
      if (!scrape?.waiting.delete(from) || !Array.isArray(msg.metrics)) return;
      scrape.snapshots.push(msg.metrics as MetricsSnapshot);
      if (scrape.waiting.size === 0) scrape.done();
      return;
    }
    if (!isMessage(msg, 'metrics:gather')) return;
    const id = ++last;
    const siblings = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined && w !== from && w.isConnected(),
    );
    const snapshots: MetricsSnapshot[] = [];
    const done = () => {
      clearTimeout(timer);
      open.delete(id);
      if (from.isConnected())
        from.send({ authql: 'metrics:gathered', id: msg.id, metrics: snapshots });
    };
    const timer = setTimeout(done, SIBLING_TIMEOUT_MS);
    open.set(id, { waiting: new Set(siblings), snapshots, done });
    for (const worker of siblings) worker.send({ authql: 'metrics:collect', id });
    if (siblings.length === 0) done();
  });
}

/**
 * In a worker with metrics on: answers the siblings' scrapes with this worker's own metrics, and
 * makes a scrape here cover the whole host. Registered before the worker listens.
 */
export function shareMetrics(metrics: Metrics, workers: number): void {
  if (!metrics.enabled) return;
  let last = 0;
  const waiting = new Map<number, (snapshots: MetricsSnapshot[]) => void>();
  process.on('message', (msg: unknown) => {
    if (isMessage(msg, 'metrics:collect')) {
      const { id } = msg;
      // A snapshot that fails is not sent: the primary leaves this worker out after its timeout.
      metrics.snapshot().then(
        (snapshot) => {
          if (process.connected)
            process.send!({ authql: 'metrics:snapshot', id, metrics: snapshot });
        },
        () => {},
      );
      return;
    }
    if (isMessage(msg, 'metrics:gathered') && Array.isArray(msg.metrics)) {
      waiting.get(msg.id)?.(msg.metrics as MetricsSnapshot[]);
    }
  });
  metrics.shareWith({
    worker: String(cluster.worker!.id),
    workers,
    gather: () =>
      new Promise((resolve) => {
        if (!process.connected) return resolve([]);
        const id = ++last;
        const timer = setTimeout(() => done([]), PRIMARY_TIMEOUT_MS);
        const done = (snapshots: MetricsSnapshot[]) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(snapshots);
        };
        waiting.set(id, done);
        process.send!({ authql: 'metrics:gather', id });
      }),
  });
}
