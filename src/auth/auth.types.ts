import { Field, InputType, Int, ObjectType } from 'type-graphql';
import type { IssuedTokens } from '../sessions/session.service';
import { UserView } from '../users/user.type';

@InputType()
export class SignUpInput {
  @Field(() => String)
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

@InputType()
export class SignInInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: 'JWT to send as `Authorization: Bearer <token>`.' })
  accessToken!: string;

  @Field(() => String, {
    description: 'Opaque; exchange it with refreshToken() for a new pair. Single use.',
  })
  refreshToken!: string;

  @Field(() => Int, { description: 'Seconds until accessToken expires.' })
  expiresIn!: number;

  @Field(() => UserView)
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
