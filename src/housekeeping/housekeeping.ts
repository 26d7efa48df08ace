import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { errorFields } from '../errors';
import type { Logger } from '../logger';
import { HousekeepingLease } from './housekeeping-lease.entity';

/** A cleanup: deletes what is no longer needed, returns how many rows went. */
export type Cleanup = (em: EntityManager, now: Date) => Promise<number>;

const LEASE = 'housekeeping';
// A process checks at least this often whether the deployment's run is due (a sibling may have died).
const MAX_TICK_MS = 60_000;
const FIRST_RUN_DELAY_MS = 1_000;

/**
 * Periodic deletion of what nobody needs any more, once per deployment: every process ticks, and only the
 * one whose conditional update moves the lease row's `nextRunAt` forward runs the cleanups. Features add
 * their own with `add(name, fn)`.
 */
export class Housekeeping {
  private readonly cleanups = new Map<string, Cleanup>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly orm: MikroORM,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Registers a cleanup; names are unique so a feature cannot add its job twice. */
  add(name: string, cleanup: Cleanup): void {
    if (this.cleanups.has(name))
      throw new Error(`housekeeping job "${name}" is already registered`);
    this.cleanups.set(name, cleanup);
  }

  /** First run soon after boot, then every interval (across the deployment). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(FIRST_RUN_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Runs every cleanup if this process wins the lease; null when another process ran it less than one
   * interval ago. Returns the rows deleted per job.
   */
  async runIfDue(): Promise<Record<string, number> | null> {
    const em = this.orm.em.fork();
    const now = new Date();
    const claimed = await em.nativeUpdate(
      HousekeepingLease,
      { name: LEASE, nextRunAt: { $lte: now } },
      { nextRunAt: new Date(now.getTime() + this.intervalMs) },
    );
    if (claimed !== 1) return null;
    const deleted: Record<string, number> = {};
    for (const [name, cleanup] of this.cleanups) {
      if (this.stopped) break;
      try {
        deleted[name] = await cleanup(em.fork(), now);
      } catch (err) {
        // One failing job must not starve the others; it is tried again next interval.
        this.logger.error({ ...errorFields(err), job: name }, 'housekeeping job failed');
      }
    }
    this.logger.info({ event: 'housekeeping', deleted }, 'housekeeping done');
    return deleted;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runIfDue()
        .then(() => undefined)
        .catch((err: unknown) =>
          this.logger.error(
            { ...errorFields(err), operation: 'housekeeping' },
            'housekeeping failed',
          ),
        )
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.schedule(Math.min(this.intervalMs, MAX_TICK_MS));
        });
    }, delayMs);
    this.timer.unref();
  }
}
