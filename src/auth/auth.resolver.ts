import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { UserView } from '../users/user.type';
import { AuthPayload, SignInInput, SignUpInput } from './auth.types';

@Resolver()
export class AuthResolver {
  @Mutation(() => Boolean, {
    description:
      'Always true; mails an activation link (or, for a known address, a notice to its owner).',
  })
  signUp(
    @Arg('input', () => SignUpInput) input: SignUpInput,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.accounts.signUp(ctx.em, input.email, input.password, ctx.client, {
      name: input.name,
      locale: input.locale,
      acceptLanguage: ctx.acceptLanguage,
    });
  }

  @Mutation(() => Boolean, {
    description: 'Always true; mails a new activation link if the account is waiting for one.',
  })
  resendActivation(
    @Arg('email', () => String) email: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.accounts.resendActivation(email, ctx.client);
  }

  @Mutation(() => UserView)
  async activateAccount(
    @Arg('token', () => String) token: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(await ctx.services.accounts.activate(ctx.em, token, ctx.client));
  }

  @Mutation(() => UserView, {
    description: 'Activates with the 6-digit code of the activation mail (spends its link too).',
  })
  async activateAccountWithCode(
    @Arg('email', () => String) email: string,
    @Arg('code', () => String) code: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(
      await ctx.services.accounts.activateWithCode(ctx.em, email, code, ctx.client),
    );
  }

  @Mutation(() => AuthPayload)
  async signIn(
    @Arg('input', () => SignInInput) input: SignInInput,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(
      await ctx.services.signIn.signIn(ctx.em, input.email, input.password, ctx.client),
    );
  }

  @Mutation(() => AuthPayload, {
    description: 'Rotates: the refresh token given is spent and a new one returned.',
  })
  async refreshToken(
    @Arg('refreshToken', () => String) refreshToken: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(await ctx.services.sessions.refresh(ctx.em, refreshToken, ctx.client));
  }
}
