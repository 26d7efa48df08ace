import cluster from 'node:cluster';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import type * as IoRedis from 'ioredis';
import {
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterSQLite,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { LimitsSettings } from './limits.config';
import { lazyRequire } from '../lazy';

/** The table created by Migration20261201120000 (both dialects); the ORM's schema diff skips it. */
export const RATE_LIMIT_TABLE = 'rate_limits';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationSec: number;
}

/** Builds limiters on one shared backend: process memory, the app's own database, or Redis. */
export interface LimiterStore {
  readonly kind: 'memory' | 'database' | 'redis';
  create(options: LimiterOptions): RateLimiterAbstract;
  /** Resolves once the backend answers (Redis connected); rejects with a message naming it otherwise. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

// Loaded for RATE_LIMIT_STORE=redis://… only: the other stores would pay ~50 ms of start-up for it.
const ioredis = lazyRequire<typeof IoRedis>('ioredis');

const CLUSTER_TIMEOUT_MS = 3_000;
// Expired rows of the database store are deleted by us (not the library's own timer) so close() can stop it.
const CLEANUP_EVERY_MS = 5 * 60_000;

const memoryLimiter = (o: LimiterOptions) =>
  new RateLimiterMemory({ keyPrefix: o.keyPrefix, points: o.points, duration: o.durationSec });

/**
 * While the shared store cannot be reached, each shared limiter counts in this process's memory
 * instead (rate-limiter-flexible's insuranceLimiter): limits still hold (per process), never fail
 * open, never hang; the next call that the store answers counts there again.
 */
const insured = (o: LimiterOptions) => ({ insuranceLimiter: memoryLimiter(o) });

export function createLimiterStore(config: LimitsSettings, orm: MikroORM): LimiterStore {
  const store = config.rateLimit.store;
  if (store === 'memory') {
    return {
      kind: 'memory',
      // Under WORKERS > 1 the counters live in the primary (RateLimiterClusterMaster): one budget
      // for the host, never one per worker. A primary that does not answer fails closed.
      create: (o) =>
        cluster.isWorker
          ? new RateLimiterCluster({
              keyPrefix: o.keyPrefix,
              points: o.points,
              duration: o.durationSec,
              timeoutMs: CLUSTER_TIMEOUT_MS,
            })
          : memoryLimiter(o),
      ready: async () => {},
      close: async () => {},
    };
  }
  if (store === 'database') return databaseStore(config, orm);
  return redisStore(store);
}

function redisStore(url: string): LimiterStore {
  // Redis down must cost a request milliseconds, not the offline queue's wait and reconnect curve: no
  // offline queue, no retries, short timeouts; the limiter then falls back to memory (insured, above).
  const { default: Redis } = ioredis();
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    commandTimeout: 500,
    lazyConnect: true,
    // Reconnects in the background at most every second, so the shared store is back soon after Redis.
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  client.on('error', () => {}); // Reported through the failing commands; ioredis reconnects by itself.
  return {
    kind: 'redis',
    create: (o) =>
      new RateLimiterRedis({
        storeClient: client,
        rejectIfRedisNotReady: true,
        ...insured(o),
        keyPrefix: o.keyPrefix,
        points: o.points,
        duration: o.durationSec,
      }),
    async ready() {
      try {
        await client.connect();
        await client.ping();
      } catch (err) {
        client.disconnect();
        throw new Error(
          `RATE_LIMIT_STORE: cannot reach Redis (${err instanceof Error ? err.message : String(err)})`,
        );
      }
    },
    async close() {
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

type Callback = (...args: unknown[]) => void;
interface SqliteConnection {
  run(sql: string, ...rest: unknown[]): unknown;
}
const originals = new WeakMap<object, SqliteConnection>();

/**
 * rate-limiter-flexible 11.4 answers a failed upsert on SQLite with `ROLLBACK TO SAVEPOINT` but never
 * releases the savepoint, which leaves the app's one SQLite connection inside a transaction (every
 * later ORM transaction then fails): release it right after the rollback.
 */
function releasingSavepoint(conn: SqliteConnection): SqliteConnection {
  const wrapped = new Proxy(conn, {
    get(target, prop) {
      if (prop === 'run') {
        return (sql: string, ...rest: unknown[]) => {
          const done = rest[rest.length - 1];
          if (!sql.startsWith('ROLLBACK TO SAVEPOINT ') || typeof done !== 'function')
            return target.run(sql, ...rest);
          const name = sql.slice('ROLLBACK TO SAVEPOINT '.length).replace(/;$/, '');
          return target.run(sql, (...args: unknown[]) =>
            target.run(`RELEASE SAVEPOINT ${name};`, () => (done as Callback)(...args)),
          );
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as Callback).bind(target) : value;
    },
  });
  originals.set(wrapped, conn);
  return wrapped;
}

function databaseStore(config: LimitsSettings, orm: MikroORM): LimiterStore {
  const knex = (orm.em as unknown as SqlEntityManager).getKnex();
  const limiters: Array<RateLimiterAbstract & { clearExpired(ms: number): Promise<unknown> }> = [];
  let timer: NodeJS.Timeout | null = null;

  const storeClient =
    config.database.driver === 'postgresql'
      ? knex
      : // RateLimiterSQLite recognises a knex client by its config string; MikroORM's is a dialect class.
        {
          raw: knex.raw.bind(knex),
          client: {
            config: { client: 'sqlite3' },
            acquireConnection: async () =>
              releasingSavepoint(await knex.client.acquireConnection()),
            releaseConnection: (connection: object) =>
              knex.client.releaseConnection(originals.get(connection) ?? connection),
          },
        };

  return {
    kind: 'database',
    create(o) {
      const options = {
        storeClient,
        storeType: 'knex',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true, // by the migration: no DDL at run time, no race between processes at boot
        clearExpiredByTimeout: false,
        keyPrefix: o.keyPrefix,
        points: o.points,
        duration: o.durationSec,
        ...insured(o),
      };
      const limiter =
        config.database.driver === 'postgresql'
          ? new RateLimiterPostgres(options)
          : new RateLimiterSQLite(options);
      limiters.push(limiter as unknown as (typeof limiters)[number]);
      return limiter;
    },
    async ready() {
      timer = setInterval(() => {
        // One limiter's clearExpired empties the whole shared table of rows expired an hour ago.
        limiters[0]?.clearExpired(Date.now() - 3_600_000).catch(() => {});
      }, CLEANUP_EVERY_MS);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
    },
  };
}
