import { randomUUID } from 'node:crypto';
import {
  Entity,
  Index,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { User } from '../users/user.entity';
import type { OrgRole } from './org-role';

/** A team of users (API.md "Organizations"): its slug is unique, its members hold roles in it. */
@Entity({ tableName: 'organizations' })
export class Organization {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 40, unique: true })
  slug!: string;

  @Property({ type: Date })
  createdAt: Date = new Date();
}

/** One user's membership of one organization, with their role in it. */
@Entity({ tableName: 'memberships' })
@Unique({ properties: ['organization', 'user'] })
export class Membership {
  [OptionalProps]?: 'joinedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  // No index of its own: the unique (organization_id, user_id) leads with it.
  @ManyToOne(() => Organization, { deleteRule: 'cascade', index: false })
  organization!: Organization;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  // A plain string, not @Enum: MikroORM 6.6.16 misreads SQLite enum checks of three values (schema drift).
  @Property({ type: 'string', length: 8 })
  role!: OrgRole;

  @Property({ type: Date })
  joinedAt: Date = new Date();
}

/**
 * An invitation of an address to an organization. Pending while none of accepted/revoked/declined is set
 * and it has not expired; at most one pending per organization and address (inviteMember renews it under
 * the organization's lock).
 */
@Entity({ tableName: 'invitations' })
@Index({ properties: ['organization', 'email'] })
export class Invitation {
  [OptionalProps]?: 'createdAt' | 'acceptedAt' | 'revokedAt' | 'declinedAt' | 'invitedBy';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Organization, { deleteRule: 'cascade', index: false })
  organization!: Organization;

  /** Normalised as every address is (src/users/email.ts). */
  @Index()
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 8 })
  role!: OrgRole;

  /** Who sent it; null once their account is deleted. */
  @ManyToOne(() => User, { deleteRule: 'set null', nullable: true, index: false })
  invitedBy: User | null = null;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date })
  expiresAt!: Date;

  @Property({ type: Date, nullable: true })
  acceptedAt: Date | null = null;

  @Property({ type: Date, nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: Date, nullable: true })
  declinedAt: Date | null = null;
}
