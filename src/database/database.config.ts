import { resolve } from 'node:path';
import { z } from 'zod';
import { duration, type ConfigContext, type EnvOf } from '../config-fields';

export type DatabaseConfig =
  | {
      driver: 'sqlite';
      path: string;
      /** How long a write waits for another connection's lock before SQLITE_BUSY. */
      busyTimeoutMs: number;
    }
  | { driver: 'postgresql'; url: string };

export const databaseEnv = {
  DATABASE_URL: z.string().default('sqlite:./data/authql.sqlite'),
  // SQLite only: how long a write waits for the lock another process (a worker, the CLI) holds.
  SQLITE_BUSY_TIMEOUT: duration('SQLITE_BUSY_TIMEOUT', '5s', { allowZero: true, max: '1m' }),
};

export function databaseConfig(
  e: EnvOf<typeof databaseEnv>,
  { problems }: ConfigContext,
): DatabaseConfig {
  const value = e.DATABASE_URL;
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path)
      problems.push('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/authql.sqlite');
    const file = path === ':memory:' ? path : resolve(path);
    return { driver: 'sqlite', path: file, busyTimeoutMs: e.SQLITE_BUSY_TIMEOUT };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      problems.push('DATABASE_URL is not a valid postgresql:// URL');
    }
    return { driver: 'postgresql', url: value };
  }
  problems.push('DATABASE_URL must start with sqlite: or postgresql://');
  return { driver: 'sqlite', path: '', busyTimeoutMs: e.SQLITE_BUSY_TIMEOUT };
}
