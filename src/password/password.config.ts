import { availableParallelism } from 'node:os';
import { integer, optionalInteger, type ConfigContext, type EnvOf } from '../config-fields';

/**
 * Hashes allowed to wait per hashing thread unless BCRYPT_QUEUE_LIMIT says: about 5 s of waiting at
 * cost 12; one process on two cores holds 66 sign-ins at once, about the 68 of the four threads before.
 */
const QUEUED_PER_THREAD = 32;

export const passwordEnv = {
  BCRYPT_COST: integer('BCRYPT_COST', 12, 4, 17),
  // Unset: one per core this process has (the cores over WORKERS), and never more than half of
  // UV_THREADPOOL_SIZE (what sized them before, so a pool kept small still keeps hashing small). More
  // threads than cores only adds switching: measured on two cores, eight hashing threads (two
  // processes of four) served 3 % fewer sign-ins than two.
  BCRYPT_THREADS: optionalInteger('BCRYPT_THREADS', 1, 256),
  // libuv's own variable (read by libuv at startup; main.ts sets 8 unless given).
  UV_THREADPOOL_SIZE: integer('UV_THREADPOOL_SIZE', 4, 1, 1024),
  // Unset: QUEUED_PER_THREAD per hashing thread, so a flood cannot queue minutes of hashes.
  BCRYPT_QUEUE_LIMIT: optionalInteger('BCRYPT_QUEUE_LIMIT', 0, 100_000),
};

export interface PasswordConfig {
  readonly bcryptCost: number;
  /** bcrypt hashes run at once, each on a thread of its own at low OS priority. */
  readonly bcryptThreads: number;
  /** Hashes allowed to wait for a bcrypt thread; beyond it a request gets TOO_MANY_REQUESTS at once. */
  readonly bcryptQueueLimit: number;
}

export function passwordConfig(
  e: EnvOf<typeof passwordEnv> & { readonly WORKERS: number },
  { isProduction, problems }: ConfigContext,
): PasswordConfig {
  if (isProduction && e.BCRYPT_COST < 10)
    problems.push('BCRYPT_COST must be at least 10 in production');
  // Every worker process hashes on its own threads: together they use each core once.
  const perCore = Math.ceil(availableParallelism() / e.WORKERS);
  const threads =
    e.BCRYPT_THREADS ?? Math.max(1, Math.min(perCore, Math.floor(e.UV_THREADPOOL_SIZE / 2)));
  return {
    bcryptCost: e.BCRYPT_COST,
    bcryptThreads: threads,
    bcryptQueueLimit: e.BCRYPT_QUEUE_LIMIT ?? QUEUED_PER_THREAD * threads,
  };
}
