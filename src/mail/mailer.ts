import type { EntityManager, MikroORM } from '@mikro-orm/core';
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
const BATCH = 20;
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
    this.leaseMs = 4 * options.sendTimeoutMs;
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
      const now = new Date();
      const due = await em.find(
        OutboxMail,
        {
          failedAt: null,
          nextAttemptAt: { $lte: now },
          $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
        },
        { orderBy: { createdAt: 'asc', id: 'asc' }, limit: BATCH },
      );
      for (const mail of due) {
        if (this.stopped) return;
        await this.deliver(em, mail);
      }
      if (due.length === BATCH) this.again = true;
    } catch (err) {
      this.logger.error(errorFields(err), 'mail outbox pass failed');
    }
  }

  private async deliver(em: EntityManager, mail: OutboxMail): Promise<void> {
    const now = new Date();
    // Conditional claim: of several processes looking at the same row, exactly one takes the lease.
    const claimed = await em.nativeUpdate(
      OutboxMail,
      {
        id: mail.id,
        attempts: mail.attempts,
        $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
      },
      { lockedUntil: new Date(now.getTime() + this.leaseMs), attempts: mail.attempts + 1 },
    );
    if (claimed !== 1) return;
    const attempt = mail.attempts + 1;
    let message: MailMessage;
    try {
      message = this.cipher.open(mail.payload);
    } catch {
      // Sealed with another secret (JWT_SECRET changed): it can never be sent.
      await em.nativeUpdate(
        OutboxMail,
        { id: mail.id },
        { failedAt: now, lastError: 'cannot decrypt payload' },
      );
      this.logger.error({ mailId: mail.id }, 'outbox mail cannot be decrypted; marked failed');
      return;
    }
    try {
      await this.transport.send(message);
      await em.nativeDelete(OutboxMail, { id: mail.id });
      this.logger.info({ mailId: mail.id, subject: message.subject, attempt }, 'mail sent');
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
        return;
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
    }
  }
}
