import { FRESH_FOR_NEW_WAY_IN } from '../sessions/freshness';
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { AuthPayload } from '../auth/auth.types';
import { requireViewer, type Context } from '../context';
import { PasskeyChallengeView, PasskeyView } from './passkey.types';

@Resolver()
export class PasskeyResolver {
  @Directive('@auth')
  @Query(() => [PasskeyView], { description: 'The signed-in user’s passkeys, oldest first.' })
  async passkeys(@Ctx() ctx: Context): Promise<PasskeyView[]> {
    const viewer = await requireViewer(ctx);
    return (await ctx.services.passkeys.list(ctx.em, viewer.userId)).map(PasskeyView.from);
  }

  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => PasskeyChallengeView, {
    description: 'Options for navigator.credentials.create(); then finishPasskeyRegistration.',
  })
  async startPasskeyRegistration(@Ctx() ctx: Context): Promise<PasskeyChallengeView> {
    const viewer = await requireViewer(ctx);
    return PasskeyChallengeView.from(
      await ctx.services.passkeys.startRegistration(ctx.em, viewer.userId),
    );
  }

  @Directive(`@auth(fresh: ${FRESH_FOR_NEW_WAY_IN})`)
  @Mutation(() => PasskeyView, {
    description:
      'Stores the passkey the platform created (RegistrationResponseJSON); mails the owner.',
  })
  async finishPasskeyRegistration(
    @Arg('challengeId', () => ID, { description: 'challengeId of startPasskeyRegistration.' })
    challengeId: string,
    @Arg('response', () => GraphQLJSON, {
      description: 'The RegistrationResponseJSON the platform returned.',
    })
    response: unknown,
    @Arg('name', () => String, {
      description: 'A label for the list of passkeys; omitted: "Passkey N".',
      nullable: true,
    })
    name: string | null,
    @Ctx() ctx: Context,
  ): Promise<PasskeyView> {
    const viewer = await requireViewer(ctx);
    return PasskeyView.from(
      await ctx.services.passkeys.finishRegistration(
        ctx.em,
        viewer,
        challengeId,
        response,
        name,
        ctx.client,
      ),
    );
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Removes one of the signed-in user’s passkeys.' })
  async deletePasskey(
    @Arg('id', () => ID, { description: "The passkey's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    await ctx.services.passkeys.delete(ctx.em, viewer.userId, id, ctx.client);
    return true;
  }

  @Mutation(() => PasskeyChallengeView, {
    description:
      'Options for navigator.credentials.get(); without email, any discoverable passkey may answer.',
  })
  async startPasskeySignIn(
    @Arg('email', () => String, {
      description:
        "Limits the options to that account's passkeys; omitted: any discoverable passkey.",
      nullable: true,
    })
    email: string | null,
    @Ctx() ctx: Context,
  ): Promise<PasskeyChallengeView> {
    return PasskeyChallengeView.from(
      await ctx.services.passkeys.startSignIn(ctx.em, email, ctx.client),
    );
  }

  @Mutation(() => AuthPayload, {
    description:
      'Signs in with the assertion (AuthenticationResponseJSON); amr ["hwk","user"], or ["swk","user"] for a synced passkey.',
  })
  async finishPasskeySignIn(
    @Arg('challengeId', () => ID, { description: 'challengeId of startPasskeySignIn.' })
    challengeId: string,
    @Arg('response', () => GraphQLJSON, {
      description: 'The AuthenticationResponseJSON the platform returned.',
    })
    response: unknown,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    return AuthPayload.from(
      await ctx.services.passkeys.finishSignIn(ctx.em, challengeId, response, ctx.client),
    );
  }
}
