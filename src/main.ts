// libuv sizes its thread pool (SQLite, fs, DNS) on first use, from this variable; bcrypt hashes on
// worker threads of its own, half as many (4), so a sign-in burst never queues queries behind hashes.
process.env.UV_THREADPOOL_SIZE ??= '8';
import 'reflect-metadata';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { errorFields } from './errors';

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
  const app = await createApp(config);
  const url = await app.listen();
  app.logger.info({ env: config.env, database: config.database.driver }, 'started');
  console.log(`authql listening on ${url}`);
  console.log(`authql ${app.mailer.describe()}`);

  const shutdown = (signal: string) => {
    app.logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error(errorFields(err), 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('authql failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
