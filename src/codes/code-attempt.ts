import type { EntityManager } from '@mikro-orm/core';
import type { AppError } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { ClientInfo } from '../sessions/session.service';
import { normalizeEmail } from '../users/email';
import { NO_ACCOUNT } from '../users/no-account';
import { User } from '../users/user.entity';
import type { SignInFlow } from '../auth/sign-in-flow';
import { OneTimeToken } from '../tokens/one-time-token.entity';
import { EmailCodes } from './email-codes';

/** What sets one entry point that takes a mailed 6-digit code apart from the others. */
export interface CodeUse<Row, T> {
  /** The one answer for a malformed, wrong, spent or expired code and for an unknown address. */
  refused: () => AppError;
  /** Checks of the other input that cost no try (after the code's shape, before any budget). */
  precheck?: (email: string) => void;
  /**
   * The user's live row whose code this is (EmailCodes.check: constant-time, writes nothing), or null.
   * Called with NO_ACCOUNT for an unknown address, so both run the same queries; a miss is counted
   * here, on every live code of the user, with a `sign_in_failed` event.
   */
  find: (userId: string, code: string) => Promise<Row | null>;
  /**
   * Spends the row (a conditional update; in the transaction of the change where there is one) and
   * does what the code is for. null: the row was spent meanwhile, answered as a wrong code.
   */
  use: (user: User, row: Row) => Promise<T | null>;
}

/**
 * The shared preamble of activateAccountWithCode and resetPasswordWithCode: normalise
 * the address and the code, charge the IP's budget and then a point of the address's sign-in failure
 * budget (given back when the code is right), find the live row, spend and use it. A wrong code and an
 * unknown address answer alike. Throws `refused()`, BAD_USER_INPUT (email, precheck),
 * TOO_MANY_REQUESTS, and whatever `use` throws.
 */
export async function useMailedCode<Row, T>(
  em: EntityManager,
  limits: RateLimits,
  flow: Pick<SignInFlow, 'failed'>,
  rawEmail: unknown,
  rawCode: unknown,
  client: ClientInfo,
  how: CodeUse<Row, T>,
): Promise<T> {
  const email = normalizeEmail(rawEmail);
  const code = EmailCodes.normalize(rawCode);
  if (!code) throw how.refused();
  how.precheck?.(email);
  // Activation and reset codes count with their links (RATE_LIMIT_TOKEN_PER_IP), always before the
  // address's budget: a try the IP limit refuses costs the address nothing.
  await limits.tokenAttempt(client.ip);
  await limits.beforeCode(email);
  const user = await em.findOne(User, { email });
  const row = await how.find(user?.id ?? NO_ACCOUNT, code);
  if (row === null) {
    // Recorded as every failed try is (metric, log line, sign_in_failed), with one write for every
    // miss, known address or not: the miss counted on the user's live codes (none for NO_ACCOUNT), so
    // the timing tells nothing.
    await flow.failed(em, {
      method: 'EMAIL_CODE',
      userId: user?.id ?? null,
      client,
      reason: 'wrong_code',
      record: (uow) => EmailCodes.countMiss(uow.em, OneTimeToken, { user: user?.id ?? NO_ACCOUNT }),
    });
  }
  const done = user && row !== null ? await how.use(user, row) : null;
  if (done === null) {
    throw how.refused();
  }
  await limits.codeSucceeded(email);
  return done;
}
