import type { Housekeeping } from '../housekeeping/housekeeping';
import { OAuthState } from './oauth-state.entity';
import { UsedIdToken } from './used-id-token.entity';

/** Flows, link tickets and codes nobody finished: an expired row is refused whether it exists or not. */
export function addOAuthCleanups(housekeeping: Housekeeping): void {
  housekeeping.add('oauth-states', (em, now) =>
    em.nativeDelete(OAuthState, { expiresAt: { $lt: now } }),
  );
  // A replayed token past its expiry is refused by its `exp` already.
  housekeeping.add('used-id-tokens', (em, now) =>
    em.nativeDelete(UsedIdToken, { expiresAt: { $lt: now } }),
  );
}
