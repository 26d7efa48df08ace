import {
  extendSchema,
  GraphQLObjectType,
  lexicographicSortSchema,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { MapperKind, mapSchema, printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema } from 'type-graphql';
import { AdminResolver } from './admin/admin.resolver';
import { AuthResolver } from './auth/auth.resolver';
import { ReauthenticationResolver } from './auth/reauthentication.resolver';
import { SignInCodeResolver } from './codes/sign-in-code.resolver';
import { applyAuthDirective } from './directives/auth.directive';
import { MfaResolver } from './mfa/mfa.resolver';
import { SECOND_FACTOR_SDL } from './mfa/mfa.types';
import { PasskeyResolver } from './passkeys/passkey.resolver';
import { SecurityEventResolver } from './events/security-event.resolver';
import { OAuthResolver } from './oauth/oauth.resolver';
import { InvitationResolver } from './organizations/invitation.resolver';
import { OrganizationResolver } from './organizations/organization.resolver';
import { UserAccessResolver } from './admin/user-access.resolver';
import { UserOrganizationsResolver } from './admin/user-organizations.resolver';
import { PasswordResolver } from './password/password.resolver';
import { EmailChangeResolver } from './email-change/email-change.resolver';
import { ProfileResolver } from './profile/profile.resolver';
import { SessionResolver } from './sessions/session.resolver';
import { UserResolver } from './users/user.resolver';

export async function createSchema(): Promise<GraphQLSchema> {
  const built = await buildSchema({
    resolvers: [
      AuthResolver,
      UserResolver,
      SessionResolver,
      PasswordResolver,
      MfaResolver,
      SignInCodeResolver,
      AdminResolver,
      SecurityEventResolver,
      OAuthResolver,
      PasskeyResolver,
      OrganizationResolver,
      InvitationResolver,
      UserOrganizationsResolver,
      UserAccessResolver,
      ProfileResolver,
      ReauthenticationResolver,
      EmailChangeResolver,
    ],
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    validate: false,
  });
  return applyAuthDirective(describeRoots(extendSchema(built, parse(SECOND_FACTOR_SDL))));
}

/** type-graphql takes no description for the root types; explorers show these on their first page. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.QUERY]: (type) =>
      new GraphQLObjectType({
        ...type.toConfig(),
        description:
          'What can be read: the signed-in user, their sessions and organizations, and the admin views.',
      }),
    [MapperKind.MUTATION]: (type) =>
      new GraphQLObjectType({
        ...type.toConfig(),
        description:
          'Every action: sign-up and sign-in, tokens, account and organization changes, and the admin actions.',
      }),
  });
}

/** The committed schema.graphql: sorted for stable diffs, with the directives emitSchemaFile would drop. */
export function printSchemaFile(schema: GraphQLSchema): string {
  return printSchemaWithDirectives(lexicographicSortSchema(schema)) + '\n';
}
