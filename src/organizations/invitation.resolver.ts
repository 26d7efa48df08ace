import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { OrganizationView, OrgInvitationView } from './organization.types';
import { OrgRole } from './org-role';

/** Invitations to organizations: sent by OWNER/ADMIN, accepted by the invited, verified address. */
@Resolver()
export class InvitationResolver {
  @Directive('@auth')
  @Query(() => [OrgInvitationView], {
    description: "The organization's pending invitations; its OWNER or ADMIN only.",
  })
  async orgInvitations(
    @Arg('orgId', () => ID, { description: "The organization's id." }) orgId: string,
    @Ctx() ctx: Context,
  ): Promise<OrgInvitationView[]> {
    const viewer = await requireViewer(ctx);
    const { invitations, role } = await ctx.services.invitations.ofOrganization(
      ctx.em,
      viewer.userId,
      orgId,
    );
    return invitations.map((i) => OrgInvitationView.from(i, role));
  }

  @Directive('@auth')
  @Query(() => [OrgInvitationView], {
    description: "Pending invitations to the signed-in user's address, once it is verified.",
  })
  async myInvitations(@Ctx() ctx: Context): Promise<OrgInvitationView[]> {
    const viewer = await requireViewer(ctx);
    const invitations = await ctx.services.invitations.ofViewer(ctx.em, viewer.userId);
    return invitations.map((i) => OrgInvitationView.from(i, null));
  }

  @Directive('@auth')
  @Mutation(() => OrgInvitationView, {
    description:
      'Invites an address (OWNER or ADMIN; only an OWNER invites an OWNER) and mails it; inviting again renews the pending invitation (same id, new expiry).',
  })
  async inviteMember(
    @Arg('orgId', () => ID, { description: "The organization's id." }) orgId: string,
    @Arg('email', () => String, {
      description: 'The address to invite; it need not have an account yet.',
    })
    email: string,
    @Arg('role', () => OrgRole, {
      description: 'The role the invitee gets on accepting.',
      nullable: true,
      defaultValue: OrgRole.MEMBER,
    })
    role: OrgRole,
    @Ctx() ctx: Context,
  ): Promise<OrgInvitationView> {
    const viewer = await requireViewer(ctx);
    const { invitation, inviterRole } = await ctx.services.invitations.invite(
      ctx.em,
      { userId: viewer.userId, client: ctx.client },
      orgId,
      email,
      role ?? OrgRole.MEMBER,
    );
    return OrgInvitationView.from(invitation, inviterRole);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: 'Withdraws a pending invitation; OWNER or ADMIN.' })
  async revokeInvitation(
    @Arg('id', () => ID, { description: "The invitation's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    await ctx.services.invitations.revoke(
      ctx.em,
      { userId: viewer.userId, client: ctx.client },
      id,
    );
    return true;
  }

  @Directive('@auth')
  @Mutation(() => OrganizationView, {
    description:
      'Joins with the invited role: only the invited, verified address; once; before expiry.',
  })
  async acceptInvitation(
    @Arg('id', () => ID, { description: "The invitation's id, from the mailed link." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<OrganizationView> {
    const viewer = await requireViewer(ctx);
    const joined = await ctx.services.invitations.accept(
      ctx.em,
      { userId: viewer.userId, client: ctx.client },
      id,
    );
    return OrganizationView.from(joined.organization, joined.role);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, {
    description: 'Declines an invitation to the signed-in user’s address.',
  })
  async declineInvitation(
    @Arg('id', () => ID, { description: "The invitation's id, from the mailed link." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewer = await requireViewer(ctx);
    await ctx.services.invitations.decline(ctx.em, viewer.userId, id);
    return true;
  }
}
