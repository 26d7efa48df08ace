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

  static from(user: UserSnapshot): UserView {
    return Object.assign(new UserView(), {
      id: user.id,
      email: user.email,
      role: user.role,
      isActive: user.isActive,
      disabled: user.disabled,
      createdAt: user.createdAt,
      mfaEnabled: user.mfaEnabled,
    });
  }
}
