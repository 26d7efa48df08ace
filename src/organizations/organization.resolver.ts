import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { AuthPayload } from '../auth/auth.types';
import { requireViewer, type Context } from '../context';
import { Role } from '../users/role';
import type { OrgActor } from './organization.service';
import { OrganizationView, OrgMemberView } from './organization.types';
import { OrgRole } from './org-role';

async function actorOf(ctx: Context): Promise<OrgActor> {
  return { userId: (await requireViewer(ctx)).userId, client: ctx.client };
}

/** Organizations, members and roles; the services check every role from the database, not the token. */
@Resolver()
export class OrganizationResolver {
  @Directive('@auth')
  @Query(() => [OrganizationView], {
    description: "The signed-in user's organizations, oldest membership first.",
  })
  async organizations(@Ctx() ctx: Context): Promise<OrganizationView[]> {
    const viewer = await requireViewer(ctx);
    const list = await ctx.services.organizations.list(ctx.em, viewer.userId);
    return list.map((o) => OrganizationView.from(o.organization, o.role));
  }

  @Directive('@auth')
  @Query(() => OrganizationView, {
    nullable: true,
    description: 'One organization; null unless the signed-in user is a member (or an ADMIN).',
  })
  async organization(
    @Arg('id', () => ID, { description: "The organization's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<OrganizationView | null> {
    const viewer = await requireViewer(ctx);
    const found = await ctx.services.organizations.get(
      ctx.em,
      viewer.userId,
      id,
      viewer.role === Role.ADMIN,
    );
    return found ? OrganizationView.from(found.organization, found.role) : null;
  }

  @Directive('@auth')
  @Query(() => [OrgMemberView], { description: 'The members, by join date; members only.' })
  async orgMembers(
    @Arg('orgId', () => ID, { description: "The organization's id." }) orgId: string,
    @Ctx() ctx: Context,
  ): Promise<OrgMemberView[]> {
    const viewer = await requireViewer(ctx);
    const members = await ctx.services.organizations.members(ctx.em, viewer.userId, orgId);
    return members.map((m) => OrgMemberView.from(m, viewer));
  }

  @Directive('@auth')
  @Mutation(() => OrganizationView, {
    description:
      'Makes an organization owned by the signed-in user; slug made from the name when omitted.',
  })
  async createOrganization(
    @Arg('name', () => String, { description: 'The display name.' }) name: string,
    @Arg('slug', () => String, {
      description:
        'Unique: lowercase letters, digits and "-", 3 to 40; omitted: made from the name.',
      nullable: true,
    })
    slug: string | null,
    @Ctx() ctx: Context,
  ): Promise<OrganizationView> {
    const created = await ctx.services.organizations.create(ctx.em, await actorOf(ctx), name, slug);
    return OrganizationView.from(created.organization, created.role);
  }

  @Directive('@auth')
  @Mutation(() => OrganizationView, { description: 'Renames or re-slugs; OWNER or ADMIN.' })
  async updateOrganization(
    @Arg('id', () => ID, { description: "The organization's id." }) id: string,
    @Arg('name', () => String, {
      description: 'The new display name; omitted: unchanged.',
      nullable: true,
    })
    name: string | null,
    @Arg('slug', () => String, {
      description: 'The new slug (lowercase letters, digits and "-", 3 to 40); omitted: unchanged.',
      nullable: true,
    })
    slug: string | null,
    @Ctx() ctx: Context,
  ): Promise<OrganizationView> {
    const updated = await ctx.services.organizations.update(
      ctx.em,
      await actorOf(ctx),
      id,
      name,
      slug,
    );
    return OrganizationView.from(updated.organization, updated.role);
  }

  @Directive('@auth(fresh: 900)')
  @Mutation(() => Boolean, {
    description: 'Deletes the organization, its memberships and invitations; OWNER, fresh sign-in.',
  })
  async deleteOrganization(
    @Arg('id', () => ID, { description: "The organization's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    await ctx.services.organizations.delete(ctx.em, await actorOf(ctx), id);
    return true;
  }

  @Directive('@auth')
  @Mutation(() => OrgMemberView, {
    description: 'OWNER or ADMIN; an ADMIN never makes or demotes an OWNER; the last OWNER stays.',
  })
  async setMemberRole(
    @Arg('orgId', () => ID, { description: "The organization's id." }) orgId: string,
    @Arg('userId', () => ID, { description: "The member's user id." }) userId: string,
    @Arg('role', () => OrgRole, { description: "The member's new role." }) role: OrgRole,
    @Ctx() ctx: Context,
  ): Promise<OrgMemberView> {
    const viewer = await requireViewer(ctx);
    const actor = { userId: viewer.userId, client: ctx.client };
    return OrgMemberView.from(
      await ctx.services.organizations.setRole(ctx.em, actor, orgId, userId, role),
      viewer,
    );
  }

  @Directive('@auth')
  @Mutation(() => Boolean, {
    description: 'OWNER or ADMIN; an ADMIN never removes an OWNER; the last OWNER stays.',
  })
  async removeMember(
    @Arg('orgId', () => ID, { description: "The organization's id." }) orgId: string,
    @Arg('userId', () => ID, { description: "The member's user id." }) userId: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    await ctx.services.organizations.removeMember(ctx.em, await actorOf(ctx), orgId, userId);
    return true;
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Leaves the organization; the last OWNER may not.' })
  async leaveOrganization(
    @Arg('orgId', () => ID, { description: "The organization's id." }) orgId: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    await ctx.services.organizations.leave(ctx.em, await actorOf(ctx), orgId);
    return true;
  }

  @Directive('@auth')
  @Mutation(() => AuthPayload, {
    description:
      'New tokens for this session carrying `org` and `org_role` (null: none); kept by refreshes while the membership lasts.',
  })
  async switchOrganization(
    @Arg('orgId', () => ID, {
      description: "One of the signed-in user's organizations; null: no organization in the token.",
      nullable: true,
    })
    orgId: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload> {
    const viewer = await requireViewer(ctx);
    return AuthPayload.from(
      await ctx.services.organizations.switchTo(ctx.em, viewer.userId, viewer.sessionId, orgId),
    );
  }
}
