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
    @Arg('input', () => SignUpInput, {
      description: 'The address, password and optional profile of the new account.',
    })
    input: SignUpInput,
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
    @Arg('email', () => String, { description: 'The address the account signed up with.' })
    email: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.accounts.resendActivation(email, ctx.client);
  }

  @Mutation(() => UserView, {
    description:
      'Activates the account with the token of the mailed link. Errors: INVALID_TOKEN, TOKEN_EXPIRED, TOO_MANY_REQUESTS.',
  })
  async activateAccount(
    @Arg('token', () => String, {
      description: 'The token of the mailed link (`${APP_URL}/activate?token=…`).',
    })
    token: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(await ctx.services.accounts.activate(ctx.em, token, ctx.client));
  }

  @Mutation(() => UserView, {
    description: 'Activates with the 6-digit code of the activation mail (spends its link too).',
  })
  async activateAccountWithCode(
    @Arg('email', () => String, { description: 'The address the account signed up with.' })
    email: string,
    @Arg('code', () => String, { description: 'The 6-digit code of the activation mail.' })
    code: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(
      await ctx.services.accounts.activateWithCode(ctx.em, email, code, ctx.client),
    );
  }

  @Mutation(() => AuthPayload, {
    description:
      'Signs in with email and password. Errors: UNAUTHENTICATED, ACCOUNT_NOT_ACTIVATED, ACCOUNT_DISABLED, MFA_REQUIRED (then completeSignIn), TOO_MANY_REQUESTS.',
  })
  async signIn(
    @Arg('input', () => SignInInput, { description: 'The email address and password.' })
    input: SignInInput,
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
    @Arg('refreshToken', () => String, {
      description: 'The refresh token of the last AuthPayload; it is spent.',
    })
    refreshToken: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(await ctx.services.sessions.refresh(ctx.em, refreshToken, ctx.client));
  }
}
