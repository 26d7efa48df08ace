import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

/** A mailed passwordless sign-in code: the same code columns as an emailed link's row, without a link. */
@Entity({ tableName: 'sign_in_codes' })
export class SignInCode {
  [OptionalProps]?: 'id' | 'createdAt' | 'usedAt' | 'codeAttempts';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Property({ type: 'string', length: 64, hidden: true })
  codeHash!: string;

  @Property({ type: Date })
  codeExpiresAt!: Date;

  @Property({ type: 'integer', default: 0 })
  codeAttempts: number = 0;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date, nullable: true })
  usedAt: Date | null = null;
}
