import { duration, type EnvOf } from '../config-fields';

export const housekeepingEnv = {
  HOUSEKEEPING_INTERVAL: duration('HOUSEKEEPING_INTERVAL', '10m', { max: '1d' }),
};

/** How often the deployment deletes expired sessions, used links and never-activated accounts, in ms. */
export function housekeepingIntervalConfig(e: EnvOf<typeof housekeepingEnv>): number {
  return e.HOUSEKEEPING_INTERVAL;
}
