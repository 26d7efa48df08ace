import { GraphQLJSON } from 'graphql-scalars';
import {
  Arg,
  Ctx,
  Directive,
  Field,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { Role } from '../users/role';
import { UserView } from '../users/user.type';
import type { Actor } from './admin.service';

@ObjectType('UserPage', { description: 'One page of a user search, with the number of matches.' })
class UserPageView {
  @Field(() => [UserView], { description: 'The users of this page.' })
  items!: UserView[];

  @Field(() => Int, { description: 'How many users match, over all pages.' })
  total!: number;
}

async function actorOf(ctx: Context): Promise<Actor> {
  return { userId: (await requireViewer(ctx)).userId, client: ctx.client };
}

/** Administration (ADMIN only); every change writes a security event naming the admin. */
@Resolver()
export class AdminResolver {
  @Directive('@auth(requires: ADMIN)')
  @Query(() => UserView, { nullable: true, description: 'One user by id, or null.' })
  async user(
    @Arg('id', () => ID, { description: "The user's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<UserView | null> {
    const user = await ctx.services.admin.user(ctx.em, id);
    return user ? UserView.from(user) : null;
  }

  @Directive('@auth(requires: ADMIN)')
  @Query(() => UserPageView, { description: 'Users whose email contains `query`, oldest first.' })
  async searchUsers(
    @Arg('query', () => String, {
      description: 'Part of the email address, case-insensitive; omitted: every user.',
      nullable: true,
    })
    query: string | null,
    @Arg('limit', () => Int, {
      description: 'Page size, 1 to 100.',
      nullable: true,
      defaultValue: 50,
    })
    limit: number | null,
    @Arg('offset', () => Int, {
      description: 'How many matches to skip.',
      nullable: true,
      defaultValue: 0,
    })
    offset: number | null,
    @Ctx() ctx: Context,
  ): Promise<UserPageView> {
    const page = await ctx.services.admin.search(ctx.em, query, limit ?? 50, offset ?? 0);
    return Object.assign(new UserPageView(), {
      items: page.items.map((u) => UserView.from(u)),
      total: page.total,
    });
  }

  @Directive('@auth(requires: ADMIN, fresh: 900)')
  @Mutation(() => UserView, { description: "Changes the role; ends the user's sessions." })
  async setUserRole(
    @Arg('id', () => ID, { description: "The user's id." }) id: string,
    @Arg('role', () => Role, { description: 'The new site role.' }) role: Role,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(await ctx.services.admin.setRole(ctx.em, await actorOf(ctx), id, role));
  }

  @Directive('@auth(requires: ADMIN, fresh: 900)')
  @Mutation(() => UserView, { description: 'Ends every session; sign-in then fails.' })
  async disableUser(
    @Arg('id', () => ID, { description: "The user's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(await ctx.services.admin.disable(ctx.em, await actorOf(ctx), id));
  }

  @Directive('@auth(requires: ADMIN, fresh: 900)')
  @Mutation(() => UserView, {
    description:
      "Replaces the user's appMetadata (a JSON object, at most 4 KB): their access tokens carry it as claim `app` from the next refresh. Ends nothing.",
  })
  async setUserAppMetadata(
    @Arg('id', () => ID, { description: "The user's id." }) id: string,
    @Arg('appMetadata', () => GraphQLJSON, {
      description: 'A JSON object (at most 4 KB) that replaces the current one whole.',
    })
    appMetadata: unknown,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(
      await ctx.services.admin.setAppMetadata(ctx.em, await actorOf(ctx), id, appMetadata),
    );
  }

  @Directive('@auth(requires: ADMIN)')
  @Mutation(() => UserView, { description: 'Lets a disabled user sign in again.' })
  async enableUser(
    @Arg('id', () => ID, { description: "The user's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<UserView> {
    return UserView.from(await ctx.services.admin.enable(ctx.em, await actorOf(ctx), id));
  }

  @Directive('@auth(requires: ADMIN)')
  @Mutation(() => Boolean, { description: 'Ends every session of the user.' })
  async revokeUserSessions(
    @Arg('id', () => ID, { description: "The user's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.admin.revokeSessions(ctx.em, await actorOf(ctx), id);
  }
}
