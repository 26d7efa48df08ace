import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from '../users/user.entity';

/**
 * One signed-in device. The refresh token is `<id>.<secret>`; only SHA-256 of the secret is stored.
 * Rotation replaces refreshTokenHash and keeps the one before it, so a reuse can be told from a guess.
 */
@Entity({ tableName: 'sessions' })
export class Session {
  [OptionalProps]?:
    | 'createdAt'
    | 'lastUsedAt'
    | 'generation'
    | 'previousTokenHash'
    | 'rotatedAt'
    | 'revokedAt'
    | 'amr'
    | 'authTime'
    | 'orgId'
    | 'switchPoints';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Property({ type: 'string', length: 64, hidden: true })
  refreshTokenHash!: string;

  @Property({ type: 'string', length: 64, hidden: true, nullable: true })
  previousTokenHash: string | null = null;

  /** When previousTokenHash stopped being current: the start of the reuse grace window. */
  @Property({ type: Date, nullable: true })
  rotatedAt: Date | null = null;

  /** Rotations so far: caps how far back a replayed ancestor token is traced (reuse detection). */
  @Property({ type: 'integer', default: 0 })
  generation: number = 0;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: Date })
  lastUsedAt: Date = new Date();

  /** Absolute lifetime: rotation never extends it. */
  @Property({ type: Date })
  expiresAt!: Date;

  @Index()
  @Property({ type: Date, nullable: true })
  revokedAt: Date | null = null;

  /** How the session was signed in (RFC 8176 `amr`, space-separated): every access token it mints carries it. */
  @Property({ type: 'string', length: 64, default: 'pwd' })
  amr: string = 'pwd';

  /**
   * When the user last proved a factor in this session (sign-in or reauthentication): the `auth_time` of
   * every access token it mints, which a refresh keeps. Null only for rows older than the column.
   */
  @Property({ type: Date, nullable: true })
  authTime: Date | null = null;

  /**
   * The organization chosen by switchOrganization, or null: its tokens carry `org` and `org_role` while
   * the membership lasts, re-derived at every refresh. No foreign key: sessions know nothing of
   * organizations, and a deleted organization simply yields no claims.
   */
  @Property({ type: 'uuid', nullable: true })
  orgId: string | null = null;

  /**
   * SHA-256 hashes (space-separated, the latest MAX_SWITCH_POINTS) of the refresh tokens a
   * switchOrganization retired: their successor is derived from the hash, not the secret, so the chain
   * of successors, and with it reuse detection of older tokens, runs on across a switch.
   */
  @Property({ type: 'text', nullable: true, hidden: true })
  switchPoints: string | null = null;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  ip: string | null = null;
}
