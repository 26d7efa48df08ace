import { errorFields } from './error-fields';
import type { Logger } from './logger';

/**
 * Work run after the GraphQL answer has gone out (requests whose timing must not depend on whether an
 * address is registered), tracked per app instance so `app.close()` can wait for it: a request
 * answered `true` just before SIGTERM still queues its mail. Failures are logged, never thrown:
 * nobody is waiting for them.
 */
export class Background {
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Starts `task` now; `what` names it in the log line if it fails. */
  run(what: string, task: () => Promise<void>): void {
    let started: Promise<void>;
    try {
      started = task();
    } catch (err) {
      started = Promise.reject(err);
    }
    const tracked: Promise<void> = started
      .catch((err: unknown) =>
        this.logger.error({ ...errorFields(err), operation: what }, `background ${what} failed`),
      )
      .finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  /** Tasks started and not yet settled. */
  get pending(): number {
    return this.tasks.size;
  }

  /** Waits for every task (including ones started meanwhile), at most `timeoutMs`; false if some are left. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.tasks.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(this.tasks),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, left))),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
