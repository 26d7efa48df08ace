import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A native ID token already accepted, kept until it expires: a second sign-in with it is a replay. The
 * key is the SHA-256 of (issuer, subject, iat or jti), so inserting it twice fails atomically.
 */
@Entity({ tableName: 'used_id_tokens' })
export class UsedIdToken {
  @PrimaryKey({ type: 'string', length: 64 })
  id!: string;

  @Property({ type: Date, index: true })
  expiresAt!: Date;
}
