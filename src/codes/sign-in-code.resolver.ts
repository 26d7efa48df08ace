import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { AuthPayload } from '../auth/auth.types';
import type { Context } from '../context';

@Resolver()
export class SignInCodeResolver {
  @Mutation(() => Boolean, {
    description: 'Always true; mails a 6-digit sign-in code if the address has an active account.',
  })
  requestSignInCode(
    @Arg('email', () => String, { description: 'The address to mail the code to.' }) email: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.signInCodes.request(email, ctx.client);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in with a code from requestSignInCode.' })
  async signInWithCode(
    @Arg('email', () => String, { description: 'The address the code was mailed to.' })
    email: string,
    @Arg('code', () => String, { description: 'The 6-digit code from the mail.' }) code: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(await ctx.services.signInCodes.signIn(ctx.em, email, code, ctx.client));
  }
}
