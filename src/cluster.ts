import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { relayMetricsScrapes } from './cluster-metrics';
import type { Config } from './config';
import { sqliteUpToDate } from './database/migration-check';
import type { App } from './app';
import type { Logger } from './logger';

/** A cache invalidation one worker announces and the primary relays to every sibling. */
export interface InvalidationMessage {
  authql: 'invalidate';
  cache: 'sessions' | 'users';
  key: string;
}

export function isInvalidationMessage(msg: unknown): msg is InvalidationMessage {
  const m = msg as Partial<InvalidationMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.authql === 'invalidate' &&
    (m.cache === 'sessions' || m.cache === 'users') &&
    typeof m.key === 'string'
  );
}

const START_REQUEST = 'authql:may-start';
const START = 'authql:start';

/** In a worker: resolves once the primary has applied the migrations. */
export function primaryMigrated(): Promise<void> {
  return new Promise((resolve) => {
    const listener = (msg: unknown) => {
      if (msg !== START) return;
      process.off('message', listener);
      resolve();
    };
    process.on('message', listener);
    process.send!(START_REQUEST);
  });
}

// Longer than a worker's own shutdown deadline (main.ts), so a worker is never cut off mid-drain.
const DRAIN_DEADLINE_MS = 12_000;
// A worker dying this soon after it started is broken (port, database), not unlucky: stop, don't loop.
const CRASH_LOOP_MS = 5_000;

/**
 * The node:cluster primary for WORKERS > 1: applies migrations once, holds the shared memory
 * rate-limit store, forks the workers (which share the listening port), relays cache invalidations
 * and metrics scrapes between them, replaces a worker that dies, and on SIGTERM/SIGINT drains every
 * worker, then exits.
 * Resolves with the URL once every worker listens; rejects if one fails to start.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<string> {
  // Every worker's limiters count in this one store: one budget per host, never one per worker.
  if (config.rateLimit.store === 'memory') new RateLimiterClusterMaster();
  // A scrape of any worker gathers every worker's metrics through here.
  if (config.metricsToken) relayMetricsScrapes();
  // Workers are forked first and build their apps while the primary migrates (the ORM is loaded
  // here only now, so forking waits for nothing); each starts serving once migrations are done.
  const migrated = (async () => {
    // Nothing to migrate (the usual restart) is known from one read with the bare SQLite driver.
    const { database } = config;
    if (database.driver === 'sqlite' && (await sqliteUpToDate(database.path))) return;
    const { migrate, openDatabase } = await import('./database/orm');
    const orm = await openDatabase(config, (message) => logger.debug({ orm: message }, 'orm'));
    try {
      const applied = await migrate(orm);
      if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    } finally {
      await orm.close(true);
    }
  })();
  migrated.catch(() => {});
  let stopping = false;
  const started = new Map<Worker, number>();
  const fork = () => started.set(cluster.fork(), Date.now());

  cluster.on('message', (from, msg: unknown) => {
    if (msg === START_REQUEST) {
      migrated.then(
        () => from.send(START),
        () => {},
      );
      return;
    }
    if (!isInvalidationMessage(msg)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker && worker !== from && worker.isConnected()) worker.send(msg);
    }
  });

  const stop = (signal: NodeJS.Signals | 'start-up failure') => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: started.size }, 'draining workers');
    setTimeout(() => {
      logger.error('workers did not drain in time');
      process.exit(1);
    }, DRAIN_DEADLINE_MS).unref();
    let failed = signal === 'start-up failure';
    const left = new Set(started.keys());
    if (left.size === 0) process.exit(failed ? 1 : 0);
    for (const worker of left) {
      worker.once('exit', (code) => {
        if (code !== 0) failed = true;
        left.delete(worker);
        if (left.size === 0) process.exit(failed ? 1 : 0);
      });
      worker.process.kill('SIGTERM');
    }
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  const url = new Promise<string>((resolve, reject) => {
    let listening = 0;
    cluster.on('listening', (_worker, address: AddressInfo | { address: string; port: number }) => {
      if (++listening !== config.workers) return;
      const host = address.address.includes(':') ? `[${address.address}]` : address.address;
      resolve(`http://${host}:${address.port}/graphql`);
    });
    cluster.on('exit', (worker, code, signal) => {
      const since = started.get(worker) ?? 0;
      started.delete(worker);
      if (stopping) return;
      logger.error({ pid: worker.process.pid, code, signal }, 'worker exited');
      if (listening < config.workers || Date.now() - since < CRASH_LOOP_MS) {
        reject(new Error(`a worker exited during start-up (${code ?? signal})`));
        stop('start-up failure');
        return;
      }
      fork();
    });
  });
  url.catch(() => {}); // returned below; a worker failing while migrations run must not crash first
  for (let i = 0; i < config.workers; i++) fork();
  try {
    await migrated;
  } catch (err) {
    stop('start-up failure');
    throw err;
  }
  return url;
}

/**
 * In a worker: sessions ended and users changed here are announced to the siblings (through the
 * primary), and theirs are applied here, so "at once in this process" holds on the whole host.
 * Applied with origin `remote`, so an announcement is never announced again.
 */
export function shareWithSiblings(app: App): void {
  const { sessionCache, userCache } = app.services;
  const announce = (cache: InvalidationMessage['cache']) => (key: string) => {
    if (process.connected) process.send!({ authql: 'invalidate', cache, key });
  };
  sessionCache.cache.onInvalidate(announce('sessions'));
  userCache.cache.onInvalidate(announce('users'));
  process.on('message', (msg: unknown) => {
    if (!isInvalidationMessage(msg)) return;
    if (msg.cache === 'sessions') sessionCache.markEnded([msg.key], 'remote');
    else userCache.invalidate(msg.key, 'remote');
  });
}
