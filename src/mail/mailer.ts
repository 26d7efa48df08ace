import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { isPostgres } from '../database/dialect';
import type { UnitOfWork } from '../database/unit-of-work';
import { errorFields } from '../errors';
import type { Logger } from '../logger';
import type { WebhookMessage, WebhookSender } from '../webhooks/webhook-sender';
import { OUTBOX_KINDS, OutboxMail } from './outbox.entity';
import type { OutboxCipher } from './outbox-cipher';
import type { MailTemplates, TemplateName, TemplateVars } from './templates';
import type { MailMessage, MailTransport } from './transport';
import { normalizeEmail } from '../users/email';

/** Whom a mail goes to when the caller has the account: its address and its language. */
export interface Recipient {
  email: string;
  locale: string;
}

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
  kind: OutboxMail['kind'];
  payload: string;
  /** This attempt's number (already counted in the row). */
  attempt: number;
  /** The lease this process holds on the row. */
  until: Date;
}
const MAX_BACKOFF_MS = 10 * 60_000;

export interface MailerDeps {
  readonly orm: MikroORM;
  readonly transport: MailTransport;
  readonly cipher: OutboxCipher;
  readonly templates: MailTemplates;
  readonly options: MailerOptions;
  readonly logger: Logger;
  /** Delivers rows of kind `webhook`; null when WEBHOOK_URL is unset (such rows then wait and fail). */
  readonly webhooks: WebhookSender | null;
}

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

  constructor(private readonly deps: MailerDeps) {
    // Twice one send's worst case: a batch's later sends start only while a whole send still fits.
    this.leaseMs = 2 * SEND_WORST_CASE * deps.options.sendTimeoutMs;
  }

  describe(): string {
    return this.deps.transport.describe();
  }

  /**
   * Renders a mail into the outbox inside the caller's unit of work; the sender wakes once it commits.
   * The mail is in `options.locale` when the caller knows better (an address that has no account yet),
   * else in the locale of the account with that address, else in DEFAULT_LOCALE.
   */
  async queue(
    uow: UnitOfWork,
    template: TemplateName,
    to: string | Recipient,
    vars?: TemplateVars,
    options: { locale?: string } = {},
  ): Promise<void> {
    // An account in hand carries its language; a bare address is looked up (or gets the default).
    const [email, known] = typeof to === 'string' ? [to, undefined] : [to.email, to.locale];
    const locale = options.locale ?? known ?? (await this.localeOf(uow, email));
    const payload = this.deps.cipher.seal(
      this.deps.templates.render(template, email, vars, locale),
    );
    uow.em.create(OutboxMail, { payload });
    await uow.em.flush();
    uow.afterCommit(() => this.kick());
  }

  /**
   * The locale of the account with address `to`, read in the caller's transaction (so an account made
   * in it counts), or undefined. One indexed read: users.email is unique and stored normalised.
   */
  private async localeOf(uow: UnitOfWork, to: string): Promise<string | undefined> {
    // The account may be pending in the unit of work (created, not yet written).
    await uow.em.flush();
    const rows: Array<{ locale: string | null }> = await uow.em
      .getConnection()
      .execute(
        'select locale from users where email = ?',
        [normalizeEmail(to)],
        'all',
        uow.em.getTransactionContext(),
      );
    return rows[0]?.locale ?? undefined;
  }

  /** Queues a webhook event in the unit of work; the sender is woken once it commits. */
  async queueWebhook(uow: UnitOfWork, message: WebhookMessage): Promise<void> {
    uow.em.create(OutboxMail, { kind: 'webhook', payload: this.deps.cipher.seal(message) });
    await uow.em.flush();
    uow.afterCommit(() => this.kick());
  }

  /** Rows waiting per kind and the age of the oldest (failed-for-good rows excluded): for metrics. */
  async pending(): Promise<Array<{ kind: string; depth: number; oldestAgeSec: number }>> {
    const em = this.deps.orm.em.fork();
    const now = Date.now();
    return Promise.all(
      OUTBOX_KINDS.map(async (kind) => {
        const [depth, oldest] = await Promise.all([
          em.count(OutboxMail, { kind, failedAt: null }),
          em.findOne(
            OutboxMail,
            { kind, failedAt: null },
            { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] },
          ),
        ]);
        const ageSec = oldest ? Math.max(0, (now - oldest.createdAt.getTime()) / 1000) : 0;
        return { kind, depth, oldestAgeSec: ageSec };
      }),
    );
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
      this.timer = setTimeout(tick, this.deps.options.pollIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  /**
   * Stops polling, then waits (at most `timeoutMs`) for the pass in flight and the passes that commits
   * since asked for: mail queued by work the app drained at shutdown goes out before stop().
   */
  async settle(timeoutMs: number): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.running) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.running,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, left))),
      ]);
      clearTimeout(timer);
    }
  }

  /** Stops polling and waits for the pass in flight; undelivered mail stays in the outbox for any process. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.deps.transport.close();
  }

  private async pass(): Promise<void> {
    try {
      const em = this.deps.orm.em.fork();
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
        Array.from({ length: Math.min(this.deps.transport.connections, claimed.length) }, lane),
      );
      deleteSent();
      await deleting;
      if (claimed.length === BATCH) this.again = true;
    } catch (err) {
      this.deps.logger.error(
        { ...errorFields(err), operation: 'mail outbox pass' },
        'mail outbox pass failed',
      );
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
    const skipLocked = isPostgres(em) ? ' for update skip locked' : '';
    const rows: Array<{
      id: string;
      kind: OutboxMail['kind'];
      payload: string;
      attempts: number | string;
    }> = await em.getConnection().execute(
      `update mail_outbox set locked_until = ?, attempts = attempts + 1
         where id in (select id from mail_outbox where failed_at is null and next_attempt_at <= ?
           and ${free} order by created_at, id limit ?${skipLocked})
         and ${free}
         returning id, kind, payload, attempts`,
      [at(until), at(now), at(now), BATCH, at(now)],
    );
    return rows.map((r) => ({ ...r, attempt: Number(r.attempts), until }));
  }

  /** True once the mail is delivered (the caller deletes it); otherwise the row records why. */
  private async deliver(em: EntityManager, mail: ClaimedMail): Promise<boolean> {
    const { attempt } = mail;
    let job: { what: Record<string, unknown>; send: () => Promise<void> };
    try {
      job = this.open(mail);
    } catch {
      // Sealed with another secret (JWT_SECRET changed): it can never be sent.
      await em.nativeUpdate(
        OutboxMail,
        { id: mail.id },
        { failedAt: new Date(), lockedUntil: null, lastError: 'cannot decrypt payload' },
      );
      this.deps.logger.error({ mailId: mail.id }, 'outbox mail cannot be decrypted; marked failed');
      return false;
    }
    // A send starting this late could outlive the lease and meet another process sending the same mail.
    if (Date.now() + SEND_WORST_CASE * this.deps.options.sendTimeoutMs > mail.until.getTime()) {
      await this.release(em, mail);
      return false;
    }
    try {
      await job.send();
      this.deps.logger.info({ mailId: mail.id, ...job.what, attempt }, `${mail.kind} sent`);
      return true;
    } catch (err) {
      const error = String((err as { message?: unknown } | null)?.message ?? err).slice(0, 500);
      if (attempt >= this.deps.options.maxAttempts) {
        await em.nativeUpdate(
          OutboxMail,
          { id: mail.id },
          { failedAt: new Date(), lockedUntil: null, lastError: error },
        );
        this.deps.logger.error(
          { mailId: mail.id, ...job.what, attempt, error },
          `${mail.kind} failed for good`,
        );
        return false;
      }
      const delay = Math.min(this.deps.options.retryBaseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      await em.nativeUpdate(
        OutboxMail,
        { id: mail.id },
        { lockedUntil: null, nextAttemptAt: new Date(Date.now() + delay), lastError: error },
      );
      this.deps.logger.warn(
        { mailId: mail.id, ...job.what, attempt, retryInMs: delay, error },
        `${mail.kind} send failed; will retry`,
      );
      return false;
    }
  }

  /** Opens a row's sealed payload into its last step; throws when it cannot be decrypted. */
  private open(row: Pick<OutboxMail, 'id' | 'kind' | 'payload'>): {
    what: Record<string, unknown>;
    send: () => Promise<void>;
  } {
    if (row.kind === 'webhook') {
      const message = this.deps.cipher.open<WebhookMessage>(row.payload);
      const sender = this.deps.webhooks;
      // The row id is the event's webhook-id: the same on every retry, so receivers can de-duplicate.
      const id = `msg_${row.id}`;
      return {
        what: { webhookId: id, type: message.type },
        send: () =>
          sender ? sender.send(id, message) : Promise.reject(new Error('WEBHOOK_URL is not set')),
      };
    }
    const message = this.deps.cipher.open<MailMessage>(row.payload);
    return { what: { subject: message.subject }, send: () => this.deps.transport.send(message) };
  }
}
