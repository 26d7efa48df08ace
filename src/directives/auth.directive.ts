import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { defaultFieldResolver, extendSchema, parse } from 'graphql';
import type { Context } from '../context';
import { assertFresh } from '../sessions/freshness';
import { AppError, ErrorCode } from '../errors';
import { whenReady } from '../maybe-promise';
import { orgRoleSatisfies, type OrgRole } from '../organizations/org-role';
import { Role, roleSatisfies } from '../users/role';

export const AUTH_DIRECTIVE_SDL =
  'directive @auth(requires: Role = USER, fresh: Int, mfa: Boolean = false, orgRole: OrgRole) on OBJECT | FIELD_DEFINITION';

/** RFC 8176 values that prove a second factor: an OTP, or a passkey (device-bound or synced). */
const MULTI_FACTOR_AMR = new Set(['otp', 'hwk', 'swk', 'mfa']);

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
      const fresh = rule.fresh as number | undefined;
      const mfa = rule.mfa === true;
      const orgRole = rule.orgRole as OrgRole | undefined;
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      return {
        ...fieldConfig,
        // Not async: a viewer answered from memory lets the field resolve without a promise.
        resolve: (source, args, context: Context, info) =>
          whenReady(context.authenticate(), (viewer) => {
            if (!roleSatisfies(viewer.role, requires)) {
              throw new AppError(ErrorCode.FORBIDDEN, 'You do not have permission to do this.');
            }
            if (fresh !== undefined) assertFresh(viewer.authTime, fresh);
            // The role the token carries for its organization (switchOrganization); none: refused.
            if (orgRole !== undefined && !orgRoleSatisfies(viewer.orgRole, orgRole))
              throw new AppError(
                ErrorCode.FORBIDDEN,
                'This needs a token for an organization in which you hold this role: switchOrganization first.',
              );
            if (mfa && !viewer.amr.some((m) => MULTI_FACTOR_AMR.has(m)))
              throw new AppError(
                ErrorCode.MFA_REQUIRED,
                'This needs a sign-in with a second factor (an authenticator code or a passkey).',
              );
            return resolve(source, args, context, info);
          }),
      };
    },
  });
}
