import { FRESH_FOR_NEW_WAY_IN } from '../sessions/freshness';
import { Arg, Ctx, Directive, Mutation, Query, Resolver } from 'type-graphql';
import { AuthPayload } from '../auth/auth.types';
import { requireViewer, type Context } from '../context';
import { LinkedAccountView } from './oauth.types';

@Resolver()
export class OAuthResolver {
  @Query(() => [String], {
    description: 'The configured social sign-in providers (OAUTH_PROVIDERS).',
  })
  oauthProviders(@Ctx() ctx: Context): string[] {
    return ctx.services.oauth.providers.names();
  }

  @Directive('@auth')
  @Query(() => [LinkedAccountView], {
    description: 'The social sign-in providers linked to the signed-in user.',
  })
  async linkedAccounts(@Ctx() ctx: Context): Promise<LinkedAccountView[]> {
    const viewer = await requireViewer(ctx);
    return (await ctx.services.oauth.linking.linkedAccounts(ctx.em, viewer.userId)).map((l) =>
      LinkedAccountView.from(l),
    );
  }

  @Mutation(() => AuthPayload, {
    description: 'Swaps the one-time code the web flow handed the app (60 s, once) for tokens.',
  })
  async exchangeOAuthCode(
    @Arg('code', () => String, {
      description: 'The one-time code the web flow handed the app on its way back.',
    })
    code: string,
    @Arg('codeVerifier', () => String, {
      nullable: true,
      description:
        'The PKCE verifier of the code_challenge (S256) the app gave /oauth/<name>/start: required then, refused otherwise.',
    })
    codeVerifier: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(
      await ctx.services.oauth.web.exchange(ctx.em, code, codeVerifier, ctx.client),
    );
  }

  @Mutation(() => AuthPayload, {
    description: "Native sign-in with the provider SDK's ID token (each token works once).",
  })
  async signInWithIdToken(
    @Arg('provider', () => String, {
      description: "A configured provider's name, as oauthProviders lists it.",
    })
    provider: string,
    @Arg('idToken', () => String, {
      description: "The ID token (a JWT) the provider's SDK returned to the app.",
    })
    idToken: string,
    @Arg('nonce', () => String, {
      nullable: true,
      description:
        'The raw nonce the app generated; the token carries it or its SHA-256 (never send the hashed claim back).',
    })
    nonce: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(
      await ctx.services.oauth.idTokens.signIn(ctx.em, provider, idToken, nonce, ctx.client),
    );
  }

  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => String, {
    description:
      'A URL to open (10 minutes, once; append &redirect_to=<allowed URL>): it returns with ?link_code= for finishOAuthLink.',
  })
  async startOAuthLink(
    @Arg('provider', () => String, {
      description: "A configured provider's name, as oauthProviders lists it.",
    })
    provider: string,
    @Ctx() ctx: Context,
  ): Promise<string> {
    const viewer = await requireViewer(ctx);
    return ctx.services.oauth.linking.startLink(ctx.em, viewer.userId, provider);
  }

  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => [LinkedAccountView], {
    description:
      "Links the identity behind startOAuthLink's link_code (60 s, once) if the viewer made that link; returns the viewer's links.",
  })
  async finishOAuthLink(
    @Arg('code', () => String, { description: 'The link_code the provider round trip returned.' })
    code: string,
    @Ctx() ctx: Context,
  ): Promise<LinkedAccountView[]> {
    const viewer = await requireViewer(ctx);
    return (await ctx.services.oauth.linking.finishLink(ctx.em, viewer, code, ctx.client)).map(
      (l) => LinkedAccountView.from(l),
    );
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Refused (FORBIDDEN) if it leaves no way to sign in.' })
  async unlinkAccount(
    @Arg('provider', () => String, {
      description: "The provider's name, as linkedAccounts lists it.",
    })
    provider: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    return ctx.services.oauth.linking.unlink(ctx.em, viewer.userId, provider, ctx.client);
  }
}
