import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { Role } from '../users/role';
import { UserView } from '../users/user.type';
import type { Invitation, Membership, Organization } from './organization.entity';
import { OrgRole } from './org-role';

registerEnumType(OrgRole, {
  name: 'OrgRole',
  description:
    'A role in one organization: OWNER includes everything ADMIN may, ADMIN everything MEMBER may.',
});

@ObjectType('Organization', { description: 'A team of users.' })
export class OrganizationView {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Unique: lowercase letters, digits and "-", 3 to 40.' })
  slug!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => OrgRole, {
    nullable: true,
    description: "The signed-in user's role in it; null when not a member.",
  })
  viewerRole!: OrgRole | null;

  static from(org: Organization, viewerRole: OrgRole | null): OrganizationView {
    return Object.assign(new OrganizationView(), {
      id: org.id,
      name: org.name,
      slug: org.slug,
      createdAt: org.createdAt,
      viewerRole,
    });
  }
}

@ObjectType('OrgMember', { description: 'A member of an organization and their role in it.' })
export class OrgMemberView {
  @Field(() => UserView)
  user!: UserView;

  @Field(() => OrgRole)
  role!: OrgRole;

  @Field(() => Date)
  joinedAt!: Date;

  /** The member as `viewer` sees them (UserView.seenBy: another member's account state is not theirs to see). */
  static from(membership: Membership, viewer: { userId: string; role: Role }): OrgMemberView {
    return Object.assign(new OrgMemberView(), {
      user: UserView.seenBy(membership.user, viewer),
      role: membership.role,
      joinedAt: membership.joinedAt,
    });
  }
}

@ObjectType('OrgMembership', {
  description: "One of a user's organizations and their role in it (the administrators' view).",
})
export class OrgMembershipView {
  @Field(() => OrganizationView)
  organization!: OrganizationView;

  @Field(() => OrgRole)
  role!: OrgRole;

  @Field(() => Date)
  joinedAt!: Date;

  static from(membership: Membership): OrgMembershipView {
    return Object.assign(new OrgMembershipView(), {
      organization: OrganizationView.from(membership.organization, null),
      role: membership.role,
      joinedAt: membership.joinedAt,
    });
  }
}

@ObjectType('OrgInvitation', {
  description: 'A pending invitation of an address to an organization.',
})
export class OrgInvitationView {
  @Field(() => ID, { description: 'What the mailed link carries: `${APP_URL}/invitations/<id>`.' })
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => OrgRole)
  role!: OrgRole;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => OrganizationView)
  organization!: OrganizationView;

  static from(invitation: Invitation, viewerRole: OrgRole | null): OrgInvitationView {
    return Object.assign(new OrgInvitationView(), {
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      expiresAt: invitation.expiresAt,
      organization: OrganizationView.from(invitation.organization, viewerRole),
    });
  }
}
