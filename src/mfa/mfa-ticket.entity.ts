import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

/**
 * A first factor proven, waiting for the second. In the database, not in memory, so any process of a
 * deployment can finish it; the ticket itself is stored only as a SHA-256 hash.
 */
@Entity({ tableName: 'mfa_tickets' })
export class MfaTicket {
  [OptionalProps]?: 'id' | 'createdAt' | 'usedAt' | 'attempts' | 'sessionId';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  ticketHash!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  /** The first factor's SignInMethod: its amr is carried into the session with "otp" added. */
  @Property({ type: 'string', length: 16 })
  method!: string;

  /** A reauthentication's ticket: the session its completion renews (null: a sign-in opens a new one). */
  @Property({ type: 'uuid', nullable: true })
  sessionId: string | null = null;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date })
  expiresAt!: Date;

  @Property({ type: Date, nullable: true })
  usedAt: Date | null = null;
}
