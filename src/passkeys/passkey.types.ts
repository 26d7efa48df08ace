import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import type { Passkey } from './passkey.entity';

@ObjectType('Passkey', {
  description: 'A passkey (WebAuthn credential) that can sign in as its owner.',
})
export class PasskeyView {
  @Field(() => ID, { description: 'Pass it to deletePasskey to remove this passkey.' })
  id!: string;

  @Field(() => String, { description: 'The label given at registration, or "Passkey N".' })
  name!: string;

  @Field(() => Date, { description: 'When it was registered.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Last sign-in with it; null if never used.' })
  lastUsedAt!: Date | null;

  static from(passkey: Passkey): PasskeyView {
    return Object.assign(new PasskeyView(), {
      id: passkey.id,
      name: passkey.name,
      createdAt: passkey.createdAt,
      lastUsedAt: passkey.lastUsedAt,
    });
  }
}

@ObjectType('PasskeyChallenge', {
  description:
    'Options to pass to the platform (or @simplewebauthn/browser); finish with challengeId.',
})
export class PasskeyChallengeView {
  @Field(() => ID, { description: 'Single use; lives 5 minutes.' })
  challengeId!: string;

  @Field(() => GraphQLJSON, {
    description:
      'PublicKeyCredentialCreationOptionsJSON (registration) or PublicKeyCredentialRequestOptionsJSON (sign-in).',
  })
  options!: unknown;

  static from(out: { challengeId: string; options: unknown }): PasskeyChallengeView {
    return Object.assign(new PasskeyChallengeView(), out);
  }
}
