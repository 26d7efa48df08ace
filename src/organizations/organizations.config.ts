import { duration, type EnvOf } from '../config-fields';

export const organizationsEnv = {
  INVITATION_TTL: duration('INVITATION_TTL', '7d'),
};

/** How long an organization's invitation stays pending, in ms. */
export function invitationTtlConfig(e: EnvOf<typeof organizationsEnv>): number {
  return e.INVITATION_TTL;
}
