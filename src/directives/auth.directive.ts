import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { defaultFieldResolver, extendSchema, parse } from 'graphql';
import type { Context } from '../context';
import { AppError, ErrorCode } from '../errors';
import { whenReady } from '../maybe-promise';
import { Role, roleSatisfies } from '../users/role';

export const AUTH_DIRECTIVE_SDL =
  'directive @auth(requires: Role = USER) on OBJECT | FIELD_DEFINITION';

/**
 * Adds the @auth definition and wraps every field that carries it (or whose type carries it), so the
 * directive in the executed schema is what guards the field: no separate list to forget to update.
 */
export function applyAuthDirective(built: GraphQLSchema): GraphQLSchema {
  const schema = extendSchema(built, parse(AUTH_DIRECTIVE_SDL));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
      const onField = getDirective(schema, fieldConfig, 'auth')?.[0];
      const onType = getDirective(
        schema,
        schema.getType(typeName) as GraphQLObjectType,
        'auth',
      )?.[0];
      const rule = onField ?? onType;
      if (!rule) return fieldConfig;
      const requires = (rule.requires as Role | undefined) ?? Role.USER;
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      return {
        ...fieldConfig,
        // Not async: a viewer answered from memory lets the field resolve without a promise.
        resolve: (source, args, context: Context, info) =>
          whenReady(context.authenticate(), (viewer) => {
            if (!roleSatisfies(viewer.role, requires)) {
              throw new AppError(ErrorCode.FORBIDDEN, 'You do not have permission to do this.');
            }
            return resolve(source, args, context, info);
          }),
      };
    },
  });
}
