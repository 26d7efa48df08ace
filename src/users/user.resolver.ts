import { Arg, Ctx, Directive, Int, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { unauthenticated } from '../errors';
import { whenReady, type MaybePromise } from '../maybe-promise';
import { UserView } from './user.type';

@Resolver()
export class UserResolver {
  @Directive('@auth')
  @Query(() => UserView, { description: 'The signed-in user.' })
  me(@Ctx() ctx: Context): MaybePromise<UserView> {
    // Called by every app all day: answered from memory without a promise when the caches hold it.
    return whenReady(requireViewer(ctx), (viewer) =>
      whenReady(
        ctx.services.userCache.get(() => ctx.em, viewer.userId),
        (user) => {
          if (!user) throw unauthenticated();
          return UserView.from(user);
        },
      ),
    );
  }

  @Directive('@auth(requires: ADMIN)')
  @Query(() => [UserView], { description: 'All users, oldest first (admins only).' })
  async users(
    @Arg('limit', () => Int, {
      nullable: true,
      defaultValue: 50,
      description: 'Page size, 1 to 100.',
    })
    limit: number | null,
    @Arg('offset', () => Int, {
      nullable: true,
      defaultValue: 0,
      description: 'How many users to skip.',
    })
    offset: number | null,
    @Ctx() ctx: Context,
  ): Promise<UserView[]> {
    const users = await ctx.services.users.list(ctx.em, limit ?? 50, offset ?? 0);
    return users.map((u) => UserView.from(u));
  }

  @Directive('@auth')
  @Mutation(() => Boolean, {
    description: 'Deletes the signed-in user and everything tied to them.',
  })
  async deleteAccount(
    @Arg('password', () => String, { description: "The account's password." }) password: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    return ctx.services.accounts.deleteAccount(ctx.em, viewer.userId, password, ctx.client);
  }
}
