import { errorFields } from './errors';
import type { Logger } from './logger';

/**
 * Runs work after the GraphQL answer has gone out (requests whose timing must not depend on whether
 * an address is registered). Failures are logged, never thrown: nobody is waiting for them.
 */
export function runInBackground(logger: Logger, what: string, task: () => Promise<void>): void {
  task().catch((err: unknown) => logger.error(errorFields(err), `background ${what} failed`));
}
