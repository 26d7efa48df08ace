import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Something that happened to an account, for its owner and for administrators. Written in the same
 * transaction as the change it records. `userId` is no foreign key: the events of a deleted account
 * (its deletion included) stay until SECURITY_EVENT_TTL.
 */
@Entity({ tableName: 'security_events' })
@Index({ properties: ['userId', 'at', 'id'] })
export class SecurityEvent {
  [OptionalProps]?: 'at' | 'ip' | 'userAgent' | 'actorId' | 'method' | 'detail';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 40 })
  type!: string;

  @Index()
  @Property({ type: Date })
  at: Date = new Date();

  @Property({ type: 'string', length: 64, nullable: true })
  ip: string | null = null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: string | null = null;

  /** The administrator who acted, when it was not the account's owner. */
  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  /** The sign-in method (API.md `SignInMethod`) of sign-in events. */
  @Property({ type: 'string', length: 16, nullable: true })
  method: string | null = null;

  /** Small JSON object with what else matters (the new role, how many sessions ended). */
  @Property({ type: 'text', nullable: true })
  detail: string | null = null;
}
