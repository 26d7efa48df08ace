import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from './role';
import type { UserSnapshot } from './user-snapshot';

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do: ADMIN includes everything USER may.',
});

/**
 * The GraphQL view of a user: never the entity, so no stored field can leak by accident. Plain data with
 * no middleware: graphql-js reads its fields directly (simpleResolvers), with no wrapper per field.
 */
@ObjectType('User', { simpleResolvers: true })
export class UserView {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => Boolean)
  isActive!: boolean;

  @Field(() => Boolean, { description: 'Set by an administrator: the account cannot sign in.' })
  disabled!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Boolean, {
    description: 'Two-step verification (TOTP) is on: sign-in asks for a second factor.',
  })
  mfaEnabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Display name, up to 100 characters.' })
  name!: string | null;

  @Field(() => String, {
    description: 'BCP 47, one of SUPPORTED_LOCALES: the language of mail and pages.',
  })
  locale!: string;

  @Field(() => Boolean, { description: 'The address was proven by its mailbox or a provider.' })
  emailVerified!: boolean;

  @Field(() => GraphQLJSON, {
    description: "The user's own JSON object (at most 4 KB), written with updateProfile.",
  })
  metadata!: Record<string, unknown>;

  @Field(() => GraphQLJSON, {
    description:
      'A JSON object (at most 4 KB) only administrators write; access tokens carry it as claim `app`.',
  })
  appMetadata!: Record<string, unknown>;

  static from(user: UserSnapshot): UserView {
    return Object.assign(new UserView(), {
      id: user.id,
      email: user.email,
      role: user.role,
      isActive: user.isActive,
      disabled: user.disabled,
      createdAt: user.createdAt,
      mfaEnabled: user.mfaEnabled,
      name: user.name,
      locale: user.locale,
      emailVerified: user.emailVerified,
      metadata: user.metadata,
      appMetadata: user.appMetadata,
    });
  }
}
