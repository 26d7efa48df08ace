import { z } from 'zod';
import { integer, type ConfigContext, type EnvOf } from '../config-fields';

export const passwordEnv = {
  BCRYPT_COST: integer('BCRYPT_COST', 12, 4, 17),
  // libuv's own variable (read by libuv at startup); also sizes bcrypt's threads (half of it).
  UV_THREADPOOL_SIZE: integer('UV_THREADPOOL_SIZE', 4, 1, 1024),
  // Unset: 16 per bcrypt thread (about 4 s of waiting at cost 12), so a flood cannot queue minutes of hashes.
  BCRYPT_QUEUE_LIMIT: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value.trim()) || Number(value) > 100_000) {
        ctx.addIssue({
          code: 'custom',
          message: `BCRYPT_QUEUE_LIMIT must be an integer from 0 to 100000 (got "${value}")`,
        });
        return z.NEVER;
      }
      return Number(value);
    }),
};

export interface PasswordConfig {
  readonly bcryptCost: number;
  /** bcrypt hashes run at once, on threads of their own at low OS priority: half of UV_THREADPOOL_SIZE. */
  readonly bcryptConcurrency: number;
  /** Hashes allowed to wait for a bcrypt thread; beyond it a request gets TOO_MANY_REQUESTS at once. */
  readonly bcryptQueueLimit: number;
}

export function passwordConfig(
  e: EnvOf<typeof passwordEnv>,
  { isProduction, problems }: ConfigContext,
): PasswordConfig {
  if (isProduction && e.BCRYPT_COST < 10)
    problems.push('BCRYPT_COST must be at least 10 in production');
  const concurrency = Math.max(1, Math.floor(e.UV_THREADPOOL_SIZE / 2));
  return {
    bcryptCost: e.BCRYPT_COST,
    bcryptConcurrency: concurrency,
    bcryptQueueLimit: e.BCRYPT_QUEUE_LIMIT ?? 16 * concurrency,
  };
}
