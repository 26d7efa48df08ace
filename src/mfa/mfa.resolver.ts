import { FRESH_FOR_NEW_WAY_IN } from '../sessions/freshness';
import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { AuthPayload } from '../auth/auth.types';
import { requireViewer, type Context } from '../context';
import { TotpEnrollment } from './mfa.types';

@Resolver()
export class MfaResolver {
  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => TotpEnrollment, {
    description: 'A new TOTP secret, inactive until confirmTotpEnrollment.',
  })
  async startTotpEnrollment(@Ctx() ctx: Context): Promise<TotpEnrollment> {
    const viewer = await requireViewer(ctx);
    return TotpEnrollment.from(await ctx.services.mfa.startEnrollment(ctx.em, viewer.userId));
  }

  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => [String], {
    description: 'Turns TOTP on with a current code; returns 10 recovery codes, shown once.',
  })
  async confirmTotpEnrollment(
    @Arg('code', () => String, {
      description: 'A current 6-digit code from the authenticator app.',
    })
    code: string,
    @Ctx() ctx: Context,
  ): Promise<string[]> {
    const viewer = await requireViewer(ctx);
    return ctx.services.mfa.confirmEnrollment(ctx.em, viewer, code, ctx.client);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, {
    description:
      'Turns TOTP off; the recovery codes stop working. Needs the password, or a fresh sign-in for an account without one.',
  })
  async disableTotp(
    @Arg('password', () => String, {
      nullable: true,
      description: 'Required when the account has a password; without one, a fresh sign-in.',
    })
    password: string | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    return ctx.services.mfa.disable(ctx.em, viewer, password, ctx.client);
  }

  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => [String], {
    description: 'Replaces every recovery code with 10 new ones, shown once.',
  })
  async regenerateRecoveryCodes(
    @Arg('password', () => String, {
      nullable: true,
      description: 'Required when the account has a password; without one, a fresh sign-in.',
    })
    password: string | null,
    @Ctx() ctx: Context,
  ): Promise<string[]> {
    const viewer = await requireViewer(ctx);
    return ctx.services.mfa.regenerateRecoveryCodes(ctx.em, viewer, password);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Finishes a sign-in that answered MFA_REQUIRED: its mfaTicket with a TOTP code or a recovery code.',
  })
  async completeSignIn(
    @Arg('mfaTicket', () => String, {
      description: 'extensions.mfaTicket of the MFA_REQUIRED error.',
    })
    mfaTicket: string,
    @Arg('code', () => String, {
      description: 'A current TOTP code, or one of the unused recovery codes.',
    })
    code: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(
      await ctx.services.mfa.completeSignIn(ctx.em, mfaTicket, code, ctx.client),
    );
  }
}
