import type { EntityManager } from '@mikro-orm/core';
import { TooManyRequestsError, type AppError } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { ClientInfo } from '../sessions/session.service';
import { normalizeEmail } from '../users/email';
import { User } from '../users/user.entity';
import { EmailCodes } from './email-codes';

/** What sets one entry point that takes a mailed 6-digit code apart from the others. */
export interface CodeUse<Row, T> {
  /**
   * The per-IP budget a try is charged to. Activation and reset codes count with their links
   * (RATE_LIMIT_TOKEN_PER_IP); a sign-in code counts as a sign-in (RATE_LIMIT_SIGNIN_PER_IP), so every
   * way of signing in from one IP draws on one budget. Always before the address's budget: a try the
   * IP limit refuses costs the address nothing, so one client cannot lock someone else's address.
   */
  ipBudget: 'token' | 'sign-in';
  /** The one answer for a malformed, wrong, spent or expired code and for an unknown address. */
  refused: () => AppError;
  /** Checks of the other input that cost no try (after the code's shape, before any budget). */
  precheck?: (email: string) => void;
  /** The user's live row whose code this is (EmailCodes.match: constant-time, counts a miss), or null. */
  find: (userId: string, code: string) => Promise<Row | null>;
  /**
   * Spends the row (a conditional update; in the transaction of the change where there is one) and
   * does what the code is for. null: the row was spent meanwhile, answered as a wrong code.
   */
  use: (user: User, row: Row) => Promise<T | null>;
  /** For the log: a budget refused the try. */
  onLimited?: (err: TooManyRequestsError) => void;
  /** For the log: a refused code (userId null for an unknown address). */
  onRefused?: (userId: string | null) => void;
}

/**
 * The shared preamble of activateAccountWithCode, resetPasswordWithCode and signInWithCode: normalise
 * the address and the code, charge the IP's budget and then a point of the address's sign-in failure
 * budget (given back when the code is right), find the live row, spend and use it. A wrong code and an
 * unknown address answer alike. Throws `refused()`, BAD_USER_INPUT (email, precheck),
 * TOO_MANY_REQUESTS, and whatever `use` throws.
 */
export async function useMailedCode<Row, T>(
  em: EntityManager,
  limits: RateLimits,
  rawEmail: unknown,
  rawCode: unknown,
  client: ClientInfo,
  how: CodeUse<Row, T>,
): Promise<T> {
  const email = normalizeEmail(rawEmail);
  const code = EmailCodes.normalize(rawCode);
  if (!code) throw how.refused();
  how.precheck?.(email);
  try {
    if (how.ipBudget === 'sign-in') await limits.beforeSignIn(email, client.ip);
    else await limits.tokenAttempt(client.ip);
    await limits.beforeCode(email);
  } catch (err) {
    if (err instanceof TooManyRequestsError) how.onLimited?.(err);
    throw err;
  }
  const user = await em.findOne(User, { email });
  const row = user ? await how.find(user.id, code) : null;
  const done = user && row !== null ? await how.use(user, row) : null;
  if (done === null) {
    how.onRefused?.(user?.id ?? null);
    throw how.refused();
  }
  await limits.codeSucceeded(email);
  return done;
}
