import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { UserView } from '../users/user.type';

@Resolver()
export class EmailChangeResolver {
  @Directive('@auth')
  @Mutation(() => Boolean, {
    description:
      'Always true: mails the new address a link and a code, and the current one a notice. The password is required when the account has one.',
  })
  async requestEmailChange(
    @Arg('newEmail', () => String, {
      description: 'The address to change to; it receives the confirmation link and code.',
    })
    newEmail: string,
    @Arg('password', () => String, {
      description: 'The current password; required when the account has one.',
      nullable: true,
    })
    password: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const { userId, sessionId, authTime } = await requireViewer(ctx);
    return ctx.services.emailChange.request(
      ctx.em,
      { userId, sessionId, authTime },
      newEmail,
      password,
      ctx.client,
    );
  }

  @Mutation(() => UserView, {
    description:
      'Confirms an email change with the link mailed to the new address (or, when both must confirm, to the old one).',
  })
  async confirmEmailChange(
    @Arg('token', () => String, {
      description: 'The token of the mailed link (`${APP_URL}/confirm-email?token=…`).',
    })
    token: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(await ctx.services.emailChange.confirm(ctx.em, token, ctx.client));
  }

  @Directive('@auth')
  @Mutation(() => UserView, {
    description: 'Confirms an email change with the 6-digit code mailed to the new address.',
  })
  async confirmEmailChangeWithCode(
    @Arg('code', () => String, { description: 'The 6-digit code mailed to the new address.' })
    code: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    const { userId, sessionId, authTime } = await requireViewer(ctx);
    return UserView.from(
      await ctx.services.emailChange.confirmWithCode(
        ctx.em,
        { userId, sessionId, authTime },
        code,
        ctx.client,
      ),
    );
  }
}
