import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { AppError, ErrorCode, errorFields, isDatabaseError, stackFrames } from '../errors';
import type { Logger } from '../logger';

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

/**
 * Maps AppErrors to their code and lets request errors through; masks everything else and logs only
 * what errorFields allows (never a driver's message: it holds SQL and values).
 */
export function createFormatError(logger: Logger, exposeStack: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    // Expected failures: their stack says nothing a client or developer needs.
    if (original instanceof AppError) {
      return {
        message: original.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { ...original.extensions },
      };
    }
    const code = formatted.extensions?.code;
    const inExecution = error instanceof GraphQLError && error.path !== undefined;
    if (!inExecution && typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return withoutStack(formatted, exposeStack);
    }
    const operation = formatted.path?.join('.') ?? 'request';
    logger.error({ ...errorFields(original), operation }, 'unexpected error');
    return {
      message: 'Internal server error.',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        // Not even frames of a database error in development: they name the statement that failed.
        ...(exposeStack && original instanceof Error && !isDatabaseError(original)
          ? { stacktrace: [original.constructor.name, ...stackFrames(original)] }
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
