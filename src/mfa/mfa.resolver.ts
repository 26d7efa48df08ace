import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { AuthPayload } from '../auth/auth.types';
import { requireViewer, type Context } from '../context';
import { TotpEnrollment } from './mfa.types';

@Resolver()
export class MfaResolver {
  @Directive('@auth')
  @Mutation(() => TotpEnrollment, {
    description: 'A new TOTP secret, inactive until confirmTotpEnrollment.',
  })
  async startTotpEnrollment(@Ctx() ctx: Context): Promise<TotpEnrollment> {
    const viewer = await requireViewer(ctx);
    return TotpEnrollment.from(await ctx.services.mfa.startEnrollment(ctx.em, viewer.userId));
  }

  @Directive('@auth')
  @Mutation(() => [String], {
    description: 'Turns TOTP on with a current code; returns 10 recovery codes, shown once.',
  })
  async confirmTotpEnrollment(
    @Arg('code', () => String) code: string,
    @Ctx() ctx: Context,
  ): Promise<string[]> {
    const viewer = await requireViewer(ctx);
    return ctx.services.mfa.confirmEnrollment(ctx.em, viewer.userId, code, ctx.client);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Turns TOTP off; the recovery codes stop working.' })
  async disableTotp(
    @Arg('password', () => String) password: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    return ctx.services.mfa.disable(ctx.em, viewer.userId, password, ctx.client);
  }

  @Directive('@auth')
  @Mutation(() => [String], {
    description: 'Replaces every recovery code with 10 new ones, shown once.',
  })
  async regenerateRecoveryCodes(
    @Arg('password', () => String) password: string,
    @Ctx() ctx: Context,
  ): Promise<string[]> {
    const viewer = await requireViewer(ctx);
    return ctx.services.mfa.regenerateRecoveryCodes(ctx.em, viewer.userId, password);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Finishes a sign-in that answered MFA_REQUIRED: its mfaTicket with a TOTP code or a recovery code.',
  })
  async completeSignIn(
    @Arg('mfaTicket', () => String) mfaTicket: string,
    @Arg('code', () => String) code: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(
      await ctx.services.mfa.completeSignIn(ctx.em, mfaTicket, code, ctx.client),
    );
  }
}
