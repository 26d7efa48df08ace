import { Field, ObjectType } from 'type-graphql';
import { SECOND_FACTORS } from '../auth/sign-in-flow';
import type { TotpEnrollmentData } from './mfa.service';

const SECOND_FACTOR_DESCRIPTIONS: Record<(typeof SECOND_FACTORS)[number], string> = {
  TOTP: 'A current 6-digit code from the authenticator app.',
  RECOVERY_CODE: 'One of the unused recovery codes; each works once.',
};

/** No field returns it (it names the values of an error extension), so it is added to the schema as SDL. */
export const SECOND_FACTOR_SDL = `"The values of extensions.methods on MFA_REQUIRED: what completeSignIn accepts."
enum SecondFactor {
${SECOND_FACTORS.map((factor) => `  ${JSON.stringify(SECOND_FACTOR_DESCRIPTIONS[factor])} ${factor}`).join('\n')}
}`;

@ObjectType('TotpEnrollment', {
  description:
    'A new TOTP secret to add to an authenticator app; confirmTotpEnrollment turns it on.',
})
export class TotpEnrollment {
  @Field(() => String, { description: 'Base32, for typing into an authenticator app by hand.' })
  secret!: string;

  @Field(() => String, { description: '`otpauth://totp/...`: open it on the same device.' })
  otpauthUri!: string;

  @Field(() => String, {
    description: 'The otpauthUri as an SVG QR code, to scan from another device.',
  })
  qrCodeSvg!: string;

  static from(data: TotpEnrollmentData): TotpEnrollment {
    return Object.assign(new TotpEnrollment(), data);
  }
}
