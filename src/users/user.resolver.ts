import { Ctx, Directive, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { unauthenticated } from '../errors';
import { UserView } from './user.type';

@Resolver()
export class UserResolver {
  @Directive('@auth')
  @Query(() => UserView, { description: 'The signed-in user.' })
  async me(@Ctx() ctx: Context): Promise<UserView> {
    const viewer = await ctx.viewer();
    const user = viewer && (await ctx.services.users.get(ctx.em, viewer.userId));
    if (!user) throw unauthenticated();
    return UserView.from(user);
  }
}
