import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** What an outbox row delivers: a mail, or a webhook event (src/webhooks). */
export const OUTBOX_KINDS = ['mail', 'webhook'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/**
 * A mail (or webhook event) waiting to be sent, written in the same transaction as the change that
 * caused it. The payload is encrypted (it carries one-time links); the row is deleted once delivered.
 */
@Entity({ tableName: 'mail_outbox' })
export class OutboxMail {
  [OptionalProps]?:
    'kind' | 'createdAt' | 'attempts' | 'nextAttemptAt' | 'lockedUntil' | 'lastError' | 'failedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Same leases, retries and backoff for every kind; only the last step (SMTP or HTTP POST) differs. */
  @Property({ type: 'string', length: 16, default: 'mail' })
  kind: OutboxKind = 'mail';

  @Property({ type: 'text', hidden: true })
  payload!: string;

  @Property({ type: Date })
  createdAt: Date = new Date();

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Index()
  @Property({ type: Date })
  nextAttemptAt: Date = new Date();

  /** A sender's lease: while in the future, no other process may send this mail. */
  @Property({ type: Date, nullable: true })
  lockedUntil: Date | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  lastError: string | null = null;

  /** Set when the retries are exhausted; the row stays for an operator to inspect. */
  @Property({ type: Date, nullable: true })
  failedAt: Date | null = null;
}
