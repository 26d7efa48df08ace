/** The closed set of error codes clients build against (see API.md "Errors"). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  ACCOUNT_NOT_ACTIVATED: 'ACCOUNT_NOT_ACTIVATED',
  INVALID_TOKEN: 'INVALID_TOKEN',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  /** The first factor was right; `extensions.mfaTicket` and `extensions.methods` say how to finish. */
  MFA_REQUIRED: 'MFA_REQUIRED',
  /** An administrator disabled the account: sign-in, refresh and every protected field refuse it. */
  ACCOUNT_DISABLED: 'ACCOUNT_DISABLED',
  /** A social provider did not vouch for the address: sign up by email, then link the provider. */
  EMAIL_NOT_VERIFIED: 'EMAIL_NOT_VERIFIED',
  /** The access token's `auth_time` is older than the field allows: sign in again or `reauthenticate`. */
  REAUTHENTICATION_REQUIRED: 'REAUTHENTICATION_REQUIRED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An expected failure a client may see: a plain Error (services know nothing of GraphQL), mapped to a
 * GraphQLError with `extensions.code` by formatError (src/graphql/format-error.ts).
 */
export class AppError extends Error {
  /** What a client sees under `extensions`: the code and any extra fields (retryAfter, mfaTicket). */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.extensions = { ...extra, code };
  }
}

export const badInput = (message: string) => new AppError(ErrorCode.BAD_USER_INPUT, message);
export const unauthenticated = (message = 'You must be signed in.') =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);
export const invalidCredentials = () =>
  new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid email or password.');
export const invalidToken = (message = 'This link or token is invalid or has already been used.') =>
  new AppError(ErrorCode.INVALID_TOKEN, message);
export const tokenExpired = (message = 'This link or token has expired.') =>
  new AppError(ErrorCode.TOKEN_EXPIRED, message);
/** A mailed 6-digit code that is wrong, spent, expired or for an unknown address: one answer for all. */
export const invalidCode = () =>
  new AppError(ErrorCode.INVALID_TOKEN, 'This code is invalid or has expired.');
/** A social sign-in whose provider did not verify the address: it may neither join nor make an account. */
export const emailNotVerified = () =>
  new AppError(
    ErrorCode.EMAIL_NOT_VERIFIED,
    'This provider has not verified your email address. Sign up with your email address (or sign in), then link this provider from your account (startOAuthLink).',
  );
export const accountDisabled = () =>
  new AppError(ErrorCode.ACCOUNT_DISABLED, 'This account has been disabled by an administrator.');
/** A rate limit was hit; `extensions.retryAfter` is a whole number of seconds, at least 1. */
export class TooManyRequestsError extends AppError {
  readonly retryAfter: number;

  constructor(
    retryAfterSec: number,
    /** Which limit refused (for the log line, never sent to the client). */
    readonly scope: string = 'request',
  ) {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSec));
    super(ErrorCode.TOO_MANY_REQUESTS, `Too many attempts: try again in ${retryAfter} seconds.`, {
      retryAfter,
    });
    this.retryAfter = retryAfter;
  }
}

// Kept apart (no ORM import) so the logger can serialize errors with them; re-exported for callers.
export { errorFields, isDatabaseError, stackFrames } from './error-fields';
