import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { Role } from '../users/role';
import { UserView } from '../users/user.type';
import type { Invitation, Membership, Organization } from './organization.entity';
import { OrgRole } from './org-role';

registerEnumType(OrgRole, {
  name: 'OrgRole',
  description:
    'A role in one organization: OWNER includes everything ADMIN may, ADMIN everything MEMBER may.',
  valuesConfig: {
    MEMBER: { description: 'Sees the organization and its members; may leave.' },
    ADMIN: {
      description:
        'Also renames it, invites (not as OWNER), withdraws invitations, changes roles and removes members, never an OWNER.',
    },
    OWNER: {
      description: 'Everything, including deleteOrganization and making or removing owners.',
    },
  },
});

@ObjectType('Organization', { description: 'A team of users.' })
export class OrganizationView {
  @Field(() => ID, { description: 'Stable and opaque: the `org` claim of access tokens.' })
  id!: string;

  @Field(() => String, { description: 'The display name.' })
  name!: string;

  @Field(() => String, { description: 'Unique: lowercase letters, digits and "-", 3 to 40.' })
  slug!: string;

  @Field(() => Date, { description: 'When it was created.' })
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
  @Field(() => UserView, {
    description: 'The member; as another member sees them, only id, email, name and createdAt.',
  })
  user!: UserView;

  @Field(() => OrgRole, { description: "The member's role in the organization." })
  role!: OrgRole;

  @Field(() => Date, { description: 'When the member joined.' })
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
  @Field(() => OrganizationView, { description: 'The organization.' })
  organization!: OrganizationView;

  @Field(() => OrgRole, { description: "The user's role in it." })
  role!: OrgRole;

  @Field(() => Date, { description: 'When the user joined it.' })
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

  @Field(() => String, { description: 'The invited address; only that account can accept.' })
  email!: string;

  @Field(() => OrgRole, { description: 'The role the invitee gets on accepting.' })
  role!: OrgRole;

  @Field(() => Date, { description: 'After this, the invitation can no longer be accepted.' })
  expiresAt!: Date;

  @Field(() => OrganizationView, { description: 'The organization the invitation is to.' })
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
