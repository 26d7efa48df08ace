import { Ctx, Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { OrgMembershipView } from '../organizations/organization.types';
import { UserView } from '../users/user.type';

/** The organizations of a user as administrators see them (the admin console's user page). */
@Resolver(() => UserView)
export class UserOrganizationsResolver {
  @Directive('@auth(requires: ADMIN)')
  @FieldResolver(() => [OrgMembershipView], {
    description: "The user's organizations and role in each, oldest membership first; ADMIN only.",
  })
  async organizations(@Root() user: UserView, @Ctx() ctx: Context): Promise<OrgMembershipView[]> {
    const memberships = await ctx.services.organizations.ofUser(ctx.em, user.id);
    return memberships.map((m) => OrgMembershipView.from(m));
  }
}
