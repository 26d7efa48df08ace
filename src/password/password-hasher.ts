import bcrypt from 'bcrypt';
import { randomSecret } from '../tokens/random';

/**
 * bcrypt through its async API only: the work runs on libuv's pool, never on the event loop. At most
 * `concurrency` hashes run at once and the rest wait here, not in libuv's queue: SQLite and fs share
 * that pool, and a burst of sign-ins queued there would stall every query (and so every `me`) behind
 * a quarter-second hash each.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly cost: number,
    private readonly concurrency = 1,
  ) {}

  hash(password: string): Promise<string> {
    return this.limited(() => bcrypt.hash(password, this.cost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.limited(() => bcrypt.compare(password, hash));
  }

  /** Same work as a real compare, for unknown accounts: sign-in timing must not reveal who is registered. */
  async dummyVerify(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomSecret(16));
    await this.verify(password, await this.dummyHash);
    return false;
  }

  /** Computes the dummy hash up front so the first unknown-user sign-in is not the fast one. */
  async warmUp(): Promise<void> {
    await this.dummyVerify('warm-up');
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      return await work();
    } finally {
      // Hands the slot straight to the next waiter, so `running` never drops and rises in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
