import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

export enum TokenPurpose {
  ACTIVATION = 'activation',
  RESET = 'reset',
  /** An email change, confirmed from the new address (link or code). */
  EMAIL_CHANGE = 'email_change',
  /** With EMAIL_CHANGE_CONFIRM_BOTH: the same change, confirmed from the old address (link). */
  EMAIL_CHANGE_OLD = 'email_change_old',
}

/** The server-side half of an emailed JWT: its `jti`. Consuming sets usedAt once, atomically. */
@Entity({ tableName: 'one_time_tokens' })
export class OneTimeToken {
  [OptionalProps]?:
    | 'createdAt'
    | 'usedAt'
    | 'passwordHash'
    | 'codeHash'
    | 'codeExpiresAt'
    | 'codeAttempts'
    | 'newEmail'
    | 'sessionId';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Enum({ items: () => TokenPurpose })
  purpose!: TokenPurpose;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date })
  expiresAt!: Date;

  @Property({ type: Date, nullable: true })
  usedAt: Date | null = null;

  // An activation link activates the account with the password of the sign-up that asked for it.
  @Property({ type: 'string', length: 100, nullable: true, hidden: true, lazy: true })
  passwordHash: string | null = null;

  /** The 6-digit code mailed beside the link (src/codes): using either one spends this row. */
  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  codeHash: string | null = null;

  /** Codes live shorter than links: 10 minutes. */
  @Property({ type: Date, nullable: true })
  codeExpiresAt: Date | null = null;

  @Property({ type: 'integer', default: 0 })
  codeAttempts: number = 0;

  /** An email change's rows: the address the account moves to. */
  @Property({ type: 'string', length: 254, nullable: true })
  newEmail: string | null = null;

  /** An email change's rows: the session that asked for it, the one its confirmation keeps. */
  @Property({ type: 'uuid', nullable: true })
  sessionId: string | null = null;
}
