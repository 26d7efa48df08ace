import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'authql-config-'));

/** The problems loadConfig reports for `env` (one line each), or [] when it accepts it. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig({ DATA_DIR: tempDataDir(), ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
