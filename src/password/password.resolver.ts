import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';

@Resolver()
export class PasswordResolver {
  @Mutation(() => Boolean, {
    description: 'Always true; mails a reset link if the address is known.',
  })
  requestPasswordReset(
    @Arg('email', () => String) email: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.passwords.requestReset(email, ctx.client);
  }

  @Mutation(() => Boolean, {
    description: 'Sets a new password from an emailed link and ends every session.',
  })
  resetPassword(
    @Arg('token', () => String) token: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.passwords.reset(ctx.em, token, newPassword, ctx.client);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Keeps this session and ends all the others.' })
  async changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    return ctx.services.passwords.change(ctx.em, viewer, currentPassword, newPassword, ctx.client);
  }
}
