import { Field, InputType, Int, ObjectType } from 'type-graphql';
import type { IssuedTokens } from '../sessions/session.service';
import { UserView } from '../users/user.type';

@InputType({ description: 'A new account: its address, password and optional profile.' })
export class SignUpInput {
  @Field(() => String, {
    description: 'The address to sign up with; the activation mail goes there.',
  })
  email!: string;

  @Field(() => String, {
    description: '8 to 72 UTF-8 bytes; not a common password; not the email.',
  })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Display name, up to 100 characters.' })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "One of SUPPORTED_LOCALES; omitted: the best match of the request's Accept-Language, else DEFAULT_LOCALE.",
  })
  locale?: string | null;
}

@InputType({ description: 'Email and password of an activated account.' })
export class SignInInput {
  @Field(() => String, { description: 'The address the account signed up with.' })
  email!: string;

  @Field(() => String, { description: "The account's password." })
  password!: string;
}

@ObjectType({ description: 'A signed-in session: its access and refresh tokens, and the user.' })
export class AuthPayload {
  @Field(() => String, { description: 'JWT to send as `Authorization: Bearer <token>`.' })
  accessToken!: string;

  @Field(() => String, {
    description: 'Opaque; exchange it with refreshToken() for a new pair. Single use.',
  })
  refreshToken!: string;

  @Field(() => Int, { description: 'Seconds until accessToken expires.' })
  expiresIn!: number;

  @Field(() => UserView, { description: 'The signed-in user.' })
  user!: UserView;

  static from(issued: IssuedTokens): AuthPayload {
    return Object.assign(new AuthPayload(), {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresIn: issued.expiresIn,
      user: UserView.from(issued.user),
    });
  }
}
