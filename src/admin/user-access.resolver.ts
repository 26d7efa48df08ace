import { Ctx, Directive, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { LinkedAccountView } from '../oauth/oauth.types';
import { SessionView } from '../sessions/session.type';
import { UserView } from '../users/user.type';

/**
 * A user's ways in as administrators see them (the admin console's user page): live sessions,
 * linked providers, passkeys. ADMIN only: an owner reads their own through `sessions`,
 * `linkedAccounts` and `passkeys`.
 */
@Resolver(() => UserView)
export class UserAccessResolver {
  @Directive('@auth(requires: ADMIN)')
  @FieldResolver(() => [SessionView], {
    description: "The user's live sessions, most recently used first; ADMIN only.",
  })
  async sessions(@Root() user: UserView, @Ctx() ctx: Context): Promise<SessionView[]> {
    const viewer = await requireViewer(ctx);
    const sessions = await ctx.services.sessions.list(ctx.em, user.id);
    return sessions.map((s) => SessionView.from(s, viewer.sessionId));
  }

  @Directive('@auth(requires: ADMIN)')
  @FieldResolver(() => [LinkedAccountView], {
    description: 'The social sign-in providers linked to the user; ADMIN only.',
  })
  async linkedAccounts(@Root() user: UserView, @Ctx() ctx: Context): Promise<LinkedAccountView[]> {
    const linked = await ctx.services.oauth.linking.linkedAccounts(ctx.em, user.id);
    return linked.map((l) => LinkedAccountView.from(l));
  }

  @Directive('@auth(requires: ADMIN)')
  @FieldResolver(() => Int, { description: 'How many passkeys the user has; ADMIN only.' })
  async passkeyCount(@Root() user: UserView, @Ctx() ctx: Context): Promise<number> {
    return ctx.services.passkeys.count(ctx.em, user.id);
  }
}
