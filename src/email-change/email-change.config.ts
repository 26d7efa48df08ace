import { boolean, duration, seconds, type EnvOf } from '../config-fields';

export const emailChangeEnv = {
  EMAIL_CHANGE_TTL: duration('EMAIL_CHANGE_TTL', '1h'),
  EMAIL_CHANGE_CONFIRM_BOTH: boolean('EMAIL_CHANGE_CONFIRM_BOTH'),
};

/** Email change: how long its link and code live, and whether the old address must confirm too. */
export interface EmailChangeConfig {
  readonly ttlSec: number;
  readonly confirmBoth: boolean;
}

export function emailChangeConfig(e: EnvOf<typeof emailChangeEnv>): EmailChangeConfig {
  return { ttlSec: seconds(e.EMAIL_CHANGE_TTL), confirmBoth: e.EMAIL_CHANGE_CONFIRM_BOTH };
}
