import { randomUUID } from 'node:crypto';
import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Role } from './role';

export type EmailProof = 'mail' | 'provider';

@Entity({ tableName: 'users' })
export class User {
  [OptionalProps]?:
    | 'role'
    | 'isActive'
    | 'disabled'
    | 'createdAt'
    | 'updatedAt'
    | 'passwordChangedAt'
    | 'passwordHash'
    | 'totpSecret'
    | 'totpEnabledAt'
    | 'totpLastStep'
    | 'mfaEnabled'
    | 'emailProof'
    | 'emailVerified'
    | 'name'
    | 'locale'
    | 'metadata'
    | 'appMetadata';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Always stored normalised (trimmed, lower-cased): the unique index is the duplicate check. */
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  // Hidden and lazy: never serialised, and only loaded by the code paths that compare it.
  // Null for an account made by social sign-in until its owner sets a password through a reset.
  @Property({ type: 'string', length: 100, hidden: true, lazy: true, nullable: true })
  passwordHash: string | null = null;

  @Enum({ items: () => Role, default: Role.USER })
  role: Role = Role.USER;

  @Property({ type: 'boolean', default: false })
  isActive: boolean = false;

  /** Set by an administrator: sign-in, refresh and every protected field answer ACCOUNT_DISABLED. */
  @Property({ type: 'boolean', default: false })
  disabled: boolean = false;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date, onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** When the password last changed (for operators); pending reset links die by retiring their rows. */
  @Property({ type: Date })
  passwordChangedAt: Date = new Date();

  /** The TOTP secret, encrypted (src/mfa/totp.ts); pending until `totpEnabledAt` is set. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  totpSecret: string | null = null;

  @Property({ type: Date, nullable: true })
  totpEnabledAt: Date | null = null;

  /** The last TOTP time step accepted: a code of this step or an earlier one is a replay. */
  @Property({ type: 'integer', nullable: true, hidden: true })
  totpLastStep: number | null = null;

  /**
   * How the address was proven: 'mail' (the mailbox answered: activation, reset, email change),
   * 'provider' (only a social provider vouched for it), null (never: a pending sign-up, or an account
   * made from a provider's unverified claim before that was refused). A mailbox proof of an account not
   * proven by mail before reclaims it (src/accounts/account-lifecycle.ts).
   */
  @Property({ type: 'string', length: 16, nullable: true })
  emailProof: EmailProof | null = null;

  /** The display name the user chose (src/profile): trimmed, at most 100 characters. */
  @Property({ type: 'string', length: 100, nullable: true })
  name: string | null = null;

  /** BCP 47, one of SUPPORTED_LOCALES: the language of the user's mail. */
  @Property({ type: 'string', length: 35, default: 'en' })
  locale: string = 'en';

  /** The user's own JSON object (at most 4 KB), writable by them. */
  @Property({ type: 'json', default: '{}' })
  metadata: Record<string, unknown> = {};

  /** Set by administrators only; copied into access tokens as the claim `app` (omitted when empty). */
  @Property({ type: 'json', default: '{}' })
  appMetadata: Record<string, unknown> = {};

  get emailVerified(): boolean {
    return this.emailProof !== null;
  }

  get mfaEnabled(): boolean {
    return this.totpEnabledAt !== null;
  }
}
