import { randomUUID } from 'node:crypto';
import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Role } from './role';

@Entity({ tableName: 'users' })
export class User {
  [OptionalProps]?:
    'role' | 'isActive' | 'disabled' | 'createdAt' | 'updatedAt' | 'passwordChangedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Always stored normalised (trimmed, lower-cased): the unique index is the duplicate check. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  // Hidden and lazy: never serialised, and only loaded by the code paths that compare it.
  @Property({ type: 'string', length: 100, hidden: true, lazy: true })
  passwordHash!: string;

  @Enum({ items: () => Role, default: Role.USER })
  role: Role = Role.USER;

  @Property({ type: 'boolean', default: false })
  isActive: boolean = false;

  /** Set by an administrator: sign-in, refresh and every protected field answer ACCOUNT_DISABLED. */
  @Property({ type: 'boolean', default: false })
  disabled: boolean = false;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** When the password last changed (for operators); pending reset links die by retiring their rows. */
  @Property({ type: 'datetime' })
  passwordChangedAt: Date = new Date();
}
