import { randomUUID } from 'node:crypto';
import {
  BigIntType,
  Entity,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { User } from '../users/user.entity';

/** A WebAuthn credential of one user: its public key, never a secret. */
@Entity({ tableName: 'passkeys' })
export class Passkey {
  [OptionalProps]?: 'createdAt' | 'lastUsedAt' | 'transports' | 'backedUp';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  /** base64url, as the authenticator made it; unique across all users (WebAuthn §7.1 step 22). */
  @Property({ type: 'string', length: 1400, unique: true })
  credentialId!: string;

  /** base64url COSE public key. */
  @Property({ type: 'text' })
  publicKey!: string;

  /** The signature counter last seen (unsigned 32-bit, hence bigint in PostgreSQL); 0 = not kept. */
  @Property({ type: new BigIntType('number') })
  counter!: number;

  /** Comma list of the authenticator's transports (usb, internal, hybrid…), a hint for allowCredentials. */
  @Property({ type: 'string', length: 100, nullable: true })
  transports: string | null = null;

  /** Synced (multi-device) passkey backed up to the platform's cloud. */
  @Property({ type: 'boolean', default: false })
  backedUp: boolean = false;

  @Property({ type: 'string', length: 64 })
  name!: string;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date, nullable: true })
  lastUsedAt: Date | null = null;
}
