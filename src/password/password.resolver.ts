import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';

@Resolver()
export class PasswordResolver {
  @Mutation(() => Boolean, {
    description: 'Always true; mails a reset link if the address is known.',
  })
  requestPasswordReset(
    @Arg('email', () => String, { description: 'The address of the account.' }) email: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.passwords.requestReset(email, ctx.client);
  }

  @Mutation(() => Boolean, {
    description: 'Sets a new password from an emailed link and ends every session.',
  })
  resetPassword(
    @Arg('token', () => String, {
      description: 'The token of the mailed link (`${APP_URL}/reset-password?token=…`).',
    })
    token: string,
    @Arg('newPassword', () => String, {
      description: '8 to 72 UTF-8 bytes; not a common password; not the email.',
    })
    newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.passwords.reset(ctx.em, token, newPassword, ctx.client);
  }

  @Mutation(() => Boolean, {
    description:
      'Sets a new password with the 6-digit code of the reset mail (spends its link too).',
  })
  resetPasswordWithCode(
    @Arg('email', () => String, { description: 'The address the code was mailed to.' })
    email: string,
    @Arg('code', () => String, { description: 'The 6-digit code of the reset mail.' }) code: string,
    @Arg('newPassword', () => String, {
      description: '8 to 72 UTF-8 bytes; not a common password; not the email.',
    })
    newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.passwords.resetWithCode(ctx.em, email, code, newPassword, ctx.client);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Keeps this session and ends all the others.' })
  async changePassword(
    @Arg('currentPassword', () => String, { description: 'The password in use now.' })
    currentPassword: string,
    @Arg('newPassword', () => String, {
      description: '8 to 72 UTF-8 bytes; not a common password; not the email.',
    })
    newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    return ctx.services.passwords.change(ctx.em, viewer, currentPassword, newPassword, ctx.client);
  }
}
