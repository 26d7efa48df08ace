import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { Kind, type GraphQLError } from 'graphql';
import { AppError, TooManyRequestsError } from '../errors';
import type { Metrics } from './metrics';

/** Error code of a GraphQL error: the closed set of errors.ts, or what graphql-js / Apollo set. */
function codeOf(error: GraphQLError): string {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original.code;
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * Counts every root field of every operation by name and outcome, and rate-limit refusals by limit.
 * Labels come from the schema's field names and the closed set of codes, never from client input
 * (operation names are chosen by clients: unbounded). One shared listener, no per-request closure.
 */
export function metricsPlugin<C extends object>(metrics: Metrics): ApolloServerPlugin<C> {
  if (!metrics.enabled) return {};
  const listener = {
    async willSendResponse(ctx: GraphQLRequestContextWillSendResponse<C>): Promise<void> {
      const errors = ctx.errors ?? [];
      const selections = ctx.operation?.selectionSet.selections;
      if (!selections) {
        // Refused before execution (parse, validation, armor): counted as one, by its code.
        metrics.operation('(none)', errors[0] ? codeOf(errors[0]) : 'ok');
        return;
      }
      for (const selection of selections) {
        if (selection.kind !== Kind.FIELD) continue;
        const key = selection.alias?.value ?? selection.name.value;
        const name = selection.name.value;
        const error = errors.length === 0 ? undefined : errors.find((e) => e.path?.[0] === key);
        if (!error) {
          metrics.operation(name, 'ok');
          continue;
        }
        metrics.operation(name, codeOf(error));
        const original = unwrapResolverError(error);
        if (original instanceof TooManyRequestsError) metrics.rateLimited(original.scope, name);
      }
    },
  };
  return { requestDidStart: async () => listener };
}
