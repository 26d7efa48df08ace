import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger';

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
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extra } });
    this.name = 'AppError';
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

// Errors produced by graphql-js and Apollo before execution: their messages are about the request, not the server.
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Lets AppErrors and request errors through; masks everything else and logs the original. */
export function createFormatError(logger: Logger, exposeStack: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // Expected failures: their stack says nothing a client or developer needs.
    if (original instanceof AppError) return withoutStack(formatted, false);
    const code = formatted.extensions?.code;
    const inExecution = error instanceof GraphQLError && error.path !== undefined;
    if (!inExecution && typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return withoutStack(formatted, exposeStack);
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error.',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        ...(exposeStack && original instanceof Error
          ? { stacktrace: original.stack?.split('\n') }
          : {}),
      },
    };
  };
}

function withoutStack(
  formatted: GraphQLFormattedError,
  exposeStack: boolean,
): GraphQLFormattedError {
  if (exposeStack || !formatted.extensions || !('stacktrace' in formatted.extensions))
    return formatted;
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}
