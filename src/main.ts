// libuv sizes its thread pool (SQLite, fs, DNS) on first use, from this variable; bcrypt hashes on
// worker threads of its own (BCRYPT_THREADS, at most half as many), so a sign-in burst never queues
// queries behind hashes.
process.env.UV_THREADPOOL_SIZE ??= '8';
import 'reflect-metadata';
import cluster from 'node:cluster';
import type { App } from './app';
import { primaryMigrated, runPrimary, shareWithSiblings } from './cluster';
import { shareMetrics } from './cluster-metrics';
import { errorFields } from './error-fields';
import { createLogger } from './logger';
import { ConfigError, loadConfig, type Config } from './config';
import { startBanner } from './start-banner';

const SHUTDOWN_DEADLINE_MS = 10_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`authql: ${problem}`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config.workers > 1 && cluster.isPrimary) {
    const logger = createLogger(config.logLevel);
    const url = await runPrimary(config, logger);
    logger.info(
      { env: config.env, database: config.database.driver, workers: config.workers },
      'started',
    );
    for (const line of startBanner(config, url, { workers: config.workers })) console.log(line);
    return;
  }
  // A signal before the app exists (a worker still starting) has nothing to drain: exit 0 then.
  let app: App | null = null;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!app) process.exit(0);
    const running = app;
    running.logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    // What is left of the deadline once the database has to be closed: background work and mail first.
    running.close(SHUTDOWN_DEADLINE_MS - 1_000).then(
      () => process.exit(0),
      (err: unknown) => {
        running.logger.error(errorFields(err), 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // A worker whose primary is gone drains and exits instead of serving on alone.
  if (cluster.isWorker) process.once('disconnect', () => shutdown('primary gone'));

  // Loaded only where it serves: a cluster primary never pays for Apollo, Express and the schema.
  const { createApp } = await import('./app');
  const created = await createApp(config, cluster.isWorker ? { migrated: primaryMigrated() } : {});
  app = created;
  if (stopping) {
    await created.close();
    process.exit(0);
  }
  // Before listening, so the first scrape this worker answers already covers the host.
  if (cluster.isWorker) shareMetrics(created.services.metrics, config.workers);
  const url = await created.listen();
  if (cluster.isWorker) {
    shareWithSiblings(created);
    // The primary prints the address once for all; one worker describes the mail transport.
    if (cluster.worker?.id === 1) console.log(`authql ${created.mailer.describe()}`);
  } else {
    created.logger.info({ env: config.env, database: config.database.driver }, 'started');
    for (const line of startBanner(config, url, { mail: created.mailer.describe() }))
      console.log(line);
  }
}

main().catch((err: unknown) => {
  // A failed migration's message carries its SQL: a database error is named by its class only.
  const fields = errorFields(err);
  console.error('authql failed to start:', fields.errorMessage ?? fields.errorClass);
  process.exit(1);
});
