import { resolve } from 'node:path';
import { z } from 'zod';
import type { ConfigContext, EnvOf } from '../config-fields';

export type DatabaseConfig =
  { driver: 'sqlite'; path: string } | { driver: 'postgresql'; url: string };

export const databaseEnv = {
  DATABASE_URL: z.string().default('sqlite:./data/authql.sqlite'),
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
    return { driver: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
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
  return { driver: 'sqlite', path: '' };
}
