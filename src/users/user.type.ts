import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AppError, ErrorCode } from '../errors';
import { Role } from './role';
import type { UserSnapshot } from './user-snapshot';

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do: ADMIN includes everything USER may.',
  valuesConfig: {
    USER: { description: 'Uses their own account.' },
    ADMIN: { description: 'Also manages every account: the admin queries and mutations.' },
  },
});

/**
 * The GraphQL view of a user: never the entity, so no stored field can leak by accident. Plain data with
 * no middleware: graphql-js reads its fields directly (simpleResolvers), with no wrapper per field.
 */
@ObjectType('User', {
  description:
    'An account. Another member of an organization sees only id, email, name and createdAt.',
  simpleResolvers: true,
})
export class UserView {
  @Field(() => ID, { description: 'Stable and opaque: the `sub` claim of access tokens.' })
  id!: string;

  @Field(() => String, { description: 'The address the account signs in with, in lower case.' })
  email!: string;

  @Field(() => Role, { description: 'The site role: what the user may do across authql.' })
  role!: Role;

  @Field(() => Boolean, {
    description: 'The account was activated (its address proven) and can sign in.',
  })
  isActive!: boolean;

  @Field(() => Boolean, { description: 'Set by an administrator: the account cannot sign in.' })
  disabled!: boolean;

  @Field(() => Date, { description: 'When the account was created.' })
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

  /**
   * The user as another user sees them (a fellow member of an organization): id, email, name and
   * createdAt; the account's state (site role, disabled, MFA, activation, verification), its locale and
   * both metadata objects answer FORBIDDEN unless the viewer is that user or a site ADMIN, as they did
   * before any other user's User object was reachable.
   */
  static seenBy(user: UserSnapshot, viewer: { userId: string; role: Role }): UserView {
    if (viewer.userId === user.id || viewer.role === Role.ADMIN) return UserView.from(user);
    const view = Object.assign(new UserView(), {
      id: user.id,
      email: user.email,
      name: user.name,
      createdAt: user.createdAt,
    });
    // Getters that throw: graphql-js's default resolver reads the property, so the refusal is a field
    // error, and `me` keeps its plain, wrapper-free fields.
    for (const field of PRIVATE_FIELDS)
      Object.defineProperty(view, field, {
        get: () => {
          throw new AppError(ErrorCode.FORBIDDEN, 'Only this user or an administrator sees this.');
        },
      });
    return view;
  }

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

/** What only the user themself and site ADMINs see of an account. */
const PRIVATE_FIELDS = [
  'role',
  'isActive',
  'disabled',
  'mfaEnabled',
  'locale',
  'emailVerified',
  'metadata',
  'appMetadata',
] as const;
