import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { SignInMethod } from '../auth/sign-in-flow';
import type { SecurityEvent } from './security-event.entity';

/** API.md's `SignInMethod`: the method a sign-in security event names. */
export const SignInMethodEnum: { [K in SignInMethod]: K } = {
  PASSWORD: 'PASSWORD',
  EMAIL_CODE: 'EMAIL_CODE',
  PASSKEY: 'PASSKEY',
  OAUTH: 'OAUTH',
};
registerEnumType(SignInMethodEnum, {
  name: 'SignInMethod',
  description: 'How a sign-in proved its first factor.',
  valuesConfig: {
    PASSWORD: { description: 'Email and password (signIn, reauthenticate).' },
    EMAIL_CODE: { description: 'A mailed code (signInWithCode).' },
    PASSKEY: { description: 'A passkey (finishPasskeySignIn).' },
    OAUTH: { description: 'A social provider (exchangeOAuthCode, signInWithIdToken).' },
  },
});

/** Which step of a sign-in an event is about: the method's own factor, or the second one after it. */
export enum SignInFactorEnum {
  FIRST = 'FIRST',
  SECOND = 'SECOND',
}
registerEnumType(SignInFactorEnum, {
  name: 'SignInFactor',
  description:
    'FIRST: the sign-in method itself; SECOND: the code asked for after it (MFA_REQUIRED).',
  valuesConfig: {
    FIRST: { description: 'The sign-in method itself.' },
    SECOND: { description: 'The TOTP or recovery code asked for after it (completeSignIn).' },
  },
});

@ObjectType('SecurityEvent', { description: 'Something that happened to an account.' })
export class SecurityEventView {
  @Field(() => ID, { description: 'Stable; pass the last one seen as `before` for the next page.' })
  id!: string;

  @Field(() => String, { description: 'e.g. signed_in, password_changed, disabled.' })
  type!: string;

  @Field(() => Date, { description: 'When it happened.' })
  at!: Date;

  @Field(() => String, {
    description: 'The client IP of the request that caused it, if known.',
    nullable: true,
  })
  ip!: string | null;

  @Field(() => String, {
    description: 'The User-Agent of the request that caused it, if sent.',
    nullable: true,
  })
  userAgent!: string | null;

  @Field(() => SignInMethodEnum, { nullable: true, description: 'Sign-in events: the method.' })
  method!: SignInMethod | null;

  @Field(() => SignInFactorEnum, {
    nullable: true,
    description: 'Failed sign-in events: which factor failed.',
  })
  factor!: SignInFactorEnum | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The administrator who made the change, when it was not the owner.',
  })
  actorId!: string | null;

  static from(event: SecurityEvent): SecurityEventView {
    return Object.assign(new SecurityEventView(), {
      id: event.id,
      type: event.type,
      at: event.at,
      ip: event.ip,
      userAgent: event.userAgent,
      method: event.method as SignInMethod | null,
      factor: factorOf(event.detail),
      actorId: event.actorId,
    });
  }
}

function factorOf(detail: string | null): SignInFactorEnum | null {
  if (!detail) return null;
  try {
    const { factor } = JSON.parse(detail) as { factor?: unknown };
    return factor === 'first'
      ? SignInFactorEnum.FIRST
      : factor === 'second'
        ? SignInFactorEnum.SECOND
        : null;
  } catch {
    return null;
  }
}
