import { z } from 'zod';
import type { EnvOf } from '../config-fields';

export const metricsEnv = {
  METRICS_TOKEN: z
    .string()
    .min(16, 'METRICS_TOKEN must be at least 16 characters, e.g. $(openssl rand -hex 24)')
    .max(512, 'METRICS_TOKEN must be at most 512 characters')
    .optional(),
};

/** Bearer token that opens GET /metrics; null: the endpoint answers 404. */
export function metricsTokenConfig(e: EnvOf<typeof metricsEnv>): string | null {
  return e.METRICS_TOKEN ?? null;
}
