import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { transaction } from '../database/unit-of-work';
import { badInput } from '../errors';
import { SessionView } from './session.type';

@Resolver()
export class SessionResolver {
  @Directive('@auth')
  @Query(() => [SessionView], {
    description: 'Live sessions of the signed-in user, most recently used first.',
  })
  async sessions(@Ctx() ctx: Context): Promise<SessionView[]> {
    const viewer = await requireViewer(ctx);
    const sessions = await ctx.services.sessions.list(ctx.em, viewer.userId);
    return sessions.map((s) => SessionView.from(s, viewer.sessionId));
  }

  @Directive('@auth')
  @Mutation(() => Boolean, {
    description: 'Ends the current session: its access and refresh tokens stop working.',
  })
  async signOut(@Ctx() ctx: Context): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    await transaction(ctx.em, (uow) =>
      ctx.services.sessions.revoke(uow, viewer.userId, viewer.sessionId, ctx.client),
    );
    return true;
  }

  @Directive('@auth')
  @Mutation(() => Boolean, {
    description: 'Ends every session of the signed-in user, this one included.',
  })
  async signOutEverywhere(@Ctx() ctx: Context): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    await transaction(ctx.em, (uow) =>
      ctx.services.sessions.endAll(uow, viewer.userId, ctx.client),
    );
    return true;
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Ends one of the signed-in user’s own sessions.' })
  async revokeSession(
    @Arg('id', () => ID, { description: "The session's id, as sessions lists it." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    // Another user's session and an unknown id look the same: nothing tells which ids exist.
    const ended = await transaction(ctx.em, (uow) =>
      ctx.services.sessions.revoke(uow, viewer.userId, id, ctx.client),
    );
    if (!ended) throw badInput('No such session.');
    return true;
  }
}
