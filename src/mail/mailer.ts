import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { UnitOfWork } from '../database/unit-of-work';
import { errorFields } from '../errors';
import type { Logger } from '../logger';
import { OutboxMail } from './outbox.entity';
import type { OutboxCipher } from './outbox-cipher';
import type { MailTemplates, TemplateName, TemplateVars } from './templates';
import type { MailMessage, MailTransport } from './transport';

export type { MailMessage } from './transport';

export interface MailerOptions {
  pollIntervalMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  sendTimeoutMs: number;
}
/** Mails leased per pass; sent side by side over the transport's pooled connections. */
const BATCH = 50;
/** One send's worst case in sendTimeoutMs (connect, greeting, socket idle, and slack). */
const SEND_WORST_CASE = 4;
/** Delivered rows deleted per statement while a batch is going out. */
const DELETE_EVERY = 10;

interface ClaimedMail {
  id: string;
  payload: string;
  /** This attempt's number (already counted in the row). */
  attempt: number;
  /** The lease this process holds on the row. */
  until: Date;
}
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * The transactional outbox. queue() writes the mail in the caller's transaction, so a mail exists
 * exactly when the change that caused it was committed; a sender loop in every process delivers due
 * mail under a lease, retrying with exponential backoff. SMTP being down never fails a request.
 */
export class Mailer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  // Longer than the transport's worst case (connect + greeting + socket timeouts), so a lease never
  // expires while its sender still talks to SMTP: that keeps two processes from sending one mail. It is
  // also how long a mail claimed by a crashed process waits before another process takes it over.
  private readonly leaseMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly transport: MailTransport,
    private readonly cipher: OutboxCipher,
    private readonly templates: MailTemplates,
    private readonly options: MailerOptions,
    private readonly logger: Logger,
  ) {
    // Twice one send's worst case: a batch's later sends start only while a whole send still fits.
    this.leaseMs = 2 * SEND_WORST_CASE * options.sendTimeoutMs;
  }

  describe(): string {
    return this.transport.describe();
  }

  /** Renders a mail into the outbox inside the caller's unit of work; the sender wakes once it commits. */
  async queue(
    uow: UnitOfWork,
    template: TemplateName,
    to: string,
    vars?: TemplateVars,
  ): Promise<void> {
    const payload = this.cipher.seal(this.templates.render(template, to, vars));
    uow.em.create(OutboxMail, { payload });
    await uow.em.flush();
    uow.afterCommit(() => this.kick());
  }

  /** Asks for a delivery pass now instead of at the next poll. */
  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      this.kick();
      this.timer = setTimeout(tick, this.options.pollIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  /** Stops polling and waits for the pass in flight; undelivered mail stays in the outbox for any process. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.transport.close();
  }

  private async pass(): Promise<void> {
    try {
      const em = this.orm.em.fork();
      const claimed = await this.claim(em);
      const delivered: string[] = [];
      let deleting = Promise.resolve();
      // Sent rows are deleted a few at a time as they go out, not one statement per mail.
      const deleteSent = () => {
        const ids = delivered.splice(0);
        if (ids.length === 0) return;
        deleting = deleting
          .then(() => em.nativeDelete(OutboxMail, { id: { $in: ids } }))
          .then(() => {});
      };
      // One lane per pooled SMTP connection: a send starts only when a connection is free, so the
      // lease check in deliver() holds at the moment the mail really goes out.
      let next = 0;
      const lane = async () => {
        while (next < claimed.length) {
          const mail = claimed[next++]!;
          if (this.stopped) {
            await this.release(em, mail);
            continue;
          }
          if (await this.deliver(em, mail)) {
            delivered.push(mail.id);
            if (delivered.length >= DELETE_EVERY) deleteSent();
          }
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(this.transport.connections, claimed.length) }, lane),
      );
      deleteSent();
      await deleting;
      if (claimed.length === BATCH) this.again = true;
    } catch (err) {
      this.logger.error(errorFields(err), 'mail outbox pass failed');
    }
  }

  /** Gives a leased mail back untried (the attempt it was counted for never happened). */
  private async release(em: EntityManager, mail: ClaimedMail): Promise<void> {
    await em.nativeUpdate(
      OutboxMail,
      { id: mail.id, lockedUntil: mail.until },
      { lockedUntil: null, attempts: mail.attempt - 1 },
    );
  }

  /**
   * Leases up to BATCH due mails in one statement (and counts the attempt): of several processes
   * polling the same outbox, each row goes to exactly one of them until its lease expires.
   */
  private async claim(em: EntityManager): Promise<ClaimedMail[]> {
    const platform = em.getPlatform();
    const at = (date: Date) => platform.processDateProperty(date) as unknown;
    const now = new Date();
    const until = new Date(now.getTime() + this.leaseMs);
    const free = '(locked_until is null or locked_until < ?)';
    // PostgreSQL: concurrent claimers skip each other's rows instead of queueing on their locks.
    const skipLocked = platform instanceof PostgreSqlPlatform ? ' for update skip locked' : '';
    const rows: Array<{ id: string; payload: string; attempts: number | string }> = await em
      .getConnection()
      .execute(
        `update mail_outbox set locked_until = ?, attempts = attempts + 1
         where id in (select id from mail_outbox where failed_at is null and next_attempt_at <= ?
           and ${free} order by created_at, id limit ?${skipLocked})
         and ${free}
         returning id, payload, attempts`,
        [at(until), at(now), at(now), BATCH, at(now)],
      );
    return rows.map((r) => ({ id: r.id, payload: r.payload, attempt: Number(r.attempts), until }));
  }

  /** True once the mail is delivered (the caller deletes it); otherwise the row records why. */
  private async deliver(em: EntityManager, mail: ClaimedMail): Promise<boolean> {
    const { attempt } = mail;
    let message: MailMessage;
    try {
      message = this.cipher.open(mail.payload);
    } catch {
      // Sealed with another secret (JWT_SECRET changed): it can never be sent.
      await em.nativeUpdate(
        OutboxMail,
        { id: mail.id },
        { failedAt: new Date(), lockedUntil: null, lastError: 'cannot decrypt payload' },
      );
      this.logger.error({ mailId: mail.id }, 'outbox mail cannot be decrypted; marked failed');
      return false;
    }
    // A send starting this late could outlive the lease and meet another process sending the same mail.
    if (Date.now() + SEND_WORST_CASE * this.options.sendTimeoutMs > mail.until.getTime()) {
      await this.release(em, mail);
      return false;
    }
    try {
      await this.transport.send(message);
      this.logger.info({ mailId: mail.id, subject: message.subject, attempt }, 'mail sent');
      return true;
    } catch (err) {
      const error = String((err as { message?: unknown } | null)?.message ?? err).slice(0, 500);
      if (attempt >= this.options.maxAttempts) {
        await em.nativeUpdate(
          OutboxMail,
          { id: mail.id },
          { failedAt: new Date(), lockedUntil: null, lastError: error },
        );
        this.logger.error(
          { mailId: mail.id, subject: message.subject, attempt, error },
          'mail failed for good',
        );
        return false;
      }
      const delay = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      await em.nativeUpdate(
        OutboxMail,
        { id: mail.id },
        { lockedUntil: null, nextAttemptAt: new Date(Date.now() + delay), lastError: error },
      );
      this.logger.warn(
        { mailId: mail.id, subject: message.subject, attempt, retryInMs: delay, error },
        'mail send failed; will retry',
      );
      return false;
    }
  }
}
