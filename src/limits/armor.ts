import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ParseOptions, ValidationRule } from 'graphql';

/** API.md "Limits" and SECURITY.md "GraphQL layer": checked while validating, before any resolver runs. */
export const GRAPHQL_LIMITS = {
  maxAliases: 15,
  maxDepth: 10,
  maxDirectives: 10,
  // The largest legitimate operation (15 aliased signIn selecting all of AuthPayload) is ~400 tokens.
  maxTokens: 1500,
  // armor's cost model (objects 2, scalars 1, x1.5 per level): that same operation costs ~311.
  maxCost: 1000,
} as const;

/** graphql-armor's rules and plugins with authql's limits; rejections are GraphQL request errors (HTTP 400). */
export function createArmor(options: { blockFieldSuggestions: boolean }): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
} {
  const armor = new ApolloArmor({
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: true },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    // armor's token plugin throws from a hook, which Apollo answers with HTTP 500: graphql-js's own
    // parse option below aborts the parse instead and answers 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, ignoreIntrospection: true },
    // Apollo's hideSchemaDetailsFromClientErrors covers production too; development keeps its hints.
    blockFieldSuggestion: { enabled: options.blockFieldSuggestions },
  });
  const { plugins, validationRules } = armor.protect();
  return {
    plugins: plugins as ApolloServerPlugin[],
    validationRules,
    parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens },
  };
}
