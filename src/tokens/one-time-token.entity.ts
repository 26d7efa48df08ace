import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

export enum TokenPurpose {
  ACTIVATION = 'activation',
  RESET = 'reset',
}

/** The server-side half of an emailed JWT: its `jti`. Consuming sets usedAt once, atomically. */
@Entity({ tableName: 'one_time_tokens' })
export class OneTimeToken {
  [OptionalProps]?: 'createdAt' | 'usedAt' | 'passwordHash';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Enum({ items: () => TokenPurpose })
  purpose!: TokenPurpose;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;

  // An activation link activates the account with the password of the sign-up that asked for it.
  @Property({ type: 'string', length: 100, nullable: true, hidden: true, lazy: true })
  passwordHash: string | null = null;
}
