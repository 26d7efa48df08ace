import { duration, type EnvOf } from '../config-fields';

// How long a revoked session may still be honoured: bounded on purpose.
const MAX_SESSION_CACHE_TTL = '1m';
const MAX_REFRESH_REUSE_GRACE = '1m';

export const sessionsEnv = {
  REFRESH_TOKEN_TTL: duration('REFRESH_TOKEN_TTL', '30d'),
  REFRESH_REUSE_GRACE: duration('REFRESH_REUSE_GRACE', '10s', {
    allowZero: true,
    max: MAX_REFRESH_REUSE_GRACE,
  }),
  SESSION_CACHE_TTL: duration('SESSION_CACHE_TTL', '5s', { max: MAX_SESSION_CACHE_TTL }),
};

export interface SessionsConfig {
  readonly refreshTtlMs: number;
  readonly refreshReuseGraceMs: number;
  readonly sessionCacheTtlMs: number;
}

export function sessionsConfig(e: EnvOf<typeof sessionsEnv>): SessionsConfig {
  return {
    refreshTtlMs: e.REFRESH_TOKEN_TTL,
    refreshReuseGraceMs: e.REFRESH_REUSE_GRACE,
    sessionCacheTtlMs: e.SESSION_CACHE_TTL,
  };
}
