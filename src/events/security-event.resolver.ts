import { Arg, Args, ArgsType, Ctx, Directive, Field, ID, Int, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { SecurityEventView } from './security-event.type';

/** One page of a security log: the arguments both listings take. */
@ArgsType()
class EventPage {
  @Field(() => Int, { description: 'Page size, 1 to 100.', nullable: true, defaultValue: 50 })
  limit!: number | null;

  @Field(() => ID, {
    description: 'The id of the last event already seen: the page starts after it.',
    nullable: true,
  })
  before!: string | null;
}

@Resolver()
export class SecurityEventResolver {
  @Directive('@auth')
  @Query(() => [SecurityEventView], {
    description: "The signed-in user's security events, newest first; `before`: last id seen.",
  })
  async securityEvents(
    @Args(() => EventPage) { limit, before }: EventPage,
    @Ctx() ctx: Context,
  ): Promise<SecurityEventView[]> {
    const viewer = await requireViewer(ctx);
    const events = await ctx.services.events.list(ctx.em, viewer.userId, limit ?? 50, before);
    return events.map((e) => SecurityEventView.from(e));
  }

  @Directive('@auth(requires: ADMIN)')
  @Query(() => [SecurityEventView], {
    description: "A user's security events, newest first (admins only).",
  })
  async userSecurityEvents(
    @Arg('userId', () => ID, { description: "The user's id." }) userId: string,
    @Args(() => EventPage) { limit, before }: EventPage,
    @Ctx() ctx: Context,
  ): Promise<SecurityEventView[]> {
    const events = await ctx.services.events.list(ctx.em, userId, limit ?? 50, before);
    return events.map((e) => SecurityEventView.from(e));
  }
}
