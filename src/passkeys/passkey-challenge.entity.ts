import { randomUUID } from 'node:crypto';
import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { User } from '../users/user.entity';

export enum ChallengeKind {
  REGISTRATION = 'registration',
  AUTHENTICATION = 'authentication',
}

/**
 * A WebAuthn challenge handed out, kept in the database so any process can finish what another
 * started. Spent once by a conditional update (usedAt), dead after 5 minutes.
 */
@Entity({ tableName: 'passkey_challenges' })
export class PasskeyChallenge {
  [OptionalProps]?: 'createdAt' | 'usedAt' | 'user' | 'decoy';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => ChallengeKind })
  kind!: ChallengeKind;

  /** Registration: the viewer it was made for. Sign-in with an email: that account. Else null. */
  @ManyToOne(() => User, { deleteRule: 'cascade', nullable: true, index: true })
  user: User | null = null;

  /** base64url, as sent in the options. */
  @Property({ type: 'string', length: 64 })
  challenge!: string;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Index()
  @Property({ type: Date })
  expiresAt!: Date;

  @Property({ type: Date, nullable: true })
  usedAt: Date | null = null;

  /**
   * A stand-in for an address without passkeys: spent like any challenge, but it never signs anyone
   * in, so finishing it answers as a wrong credential does for a real account.
   */
  @Property({ type: 'boolean', default: false })
  decoy: boolean = false;
}
