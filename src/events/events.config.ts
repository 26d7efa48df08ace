import { duration, type EnvOf } from '../config-fields';

export const eventsEnv = {
  SECURITY_EVENT_TTL: duration('SECURITY_EVENT_TTL', '90d'),
};

/** How long security events are kept, in ms. */
export function securityEventTtlConfig(e: EnvOf<typeof eventsEnv>): number {
  return e.SECURITY_EVENT_TTL;
}
