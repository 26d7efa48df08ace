import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { AuthPayload } from './auth.types';

@Resolver()
export class ReauthenticationResolver {
  @Directive('@auth')
  @Mutation(() => AuthPayload, {
    description:
      'Fresh tokens for this session with a new auth_time: the password, or for an account without one a code from requestSignInCode. With TOTP on: MFA_REQUIRED, then completeSignIn renews this session.',
  })
  async reauthenticate(
    @Arg('password', () => String, {
      description: "The account's password, when it has one.",
      nullable: true,
    })
    password: string | null | undefined,
    @Arg('code', () => String, {
      description: 'For an account without a password: the code mailed by requestSignInCode.',
      nullable: true,
    })
    code: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    const { userId, sessionId } = await requireViewer(ctx);
    return AuthPayload.from(
      await ctx.services.reauthentication.reauthenticate(
        ctx.em,
        { userId, sessionId },
        password,
        code,
        ctx.client,
      ),
    );
  }
}
