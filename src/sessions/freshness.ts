import { AppError, ErrorCode } from '../errors';

/** Seconds since the viewer last proved a factor within which "adding a way in" is allowed. */
export const FRESH_FOR_NEW_WAY_IN = 600;

/**
 * The token's `auth_time` (seconds) is at most `maxAgeSec` old, else REAUTHENTICATION_REQUIRED: what
 * `@auth(fresh: N)` checks, and what stands in for the password of an account that has none.
 */
export function assertFresh(authTimeSec: number, maxAgeSec: number): void {
  if (Date.now() / 1000 - authTimeSec > maxAgeSec)
    throw new AppError(
      ErrorCode.REAUTHENTICATION_REQUIRED,
      'Confirm it is you: sign in again (or call reauthenticate) and retry.',
      { maxAge: maxAgeSec },
    );
}
