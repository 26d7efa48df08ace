import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from '../users/user.entity';

/** One provider identity (issuer's `sub`) of one user: a (provider, subject) belongs to one user only. */
@Entity({ tableName: 'linked_accounts' })
@Unique({ properties: ['provider', 'subject'] })
@Unique({ properties: ['user', 'provider'] })
export class LinkedAccount {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  // No index of its own (the migrations made none): the unique (user_id, provider) leads with user_id.
  @ManyToOne(() => User, { deleteRule: 'cascade', index: false })
  user!: User;

  @Property({ type: 'string', length: 32 })
  provider!: string;

  @Property({ type: 'string', length: 255 })
  subject!: string;

  /** The address the provider gave at the last sign-in (shown in linkedAccounts), if any. */
  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  /** Whether the provider vouched for that address when the link was made. */
  @Property({ type: 'boolean' })
  emailVerified!: boolean;

  @Property({ type: Date })
  createdAt: Date = new Date();
}
