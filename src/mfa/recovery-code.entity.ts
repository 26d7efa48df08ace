import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

/** One recovery code, stored as a keyed hash only; spending it sets usedAt once, atomically. */
@Entity({ tableName: 'recovery_codes' })
export class RecoveryCode {
  [OptionalProps]?: 'id' | 'createdAt' | 'usedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Property({ type: 'string', length: 64, hidden: true })
  codeHash!: string;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date, nullable: true })
  usedAt: Date | null = null;
}
