import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Logger } from '../logger';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailerOptions {
  smtpUrl: string | null;
  from: string;
  outboxDir: string;
  /** Print development mail to stdout (never in production: it carries one-time links). */
  printToConsole: boolean;
}

/**
 * Sends mail in the background: callers never wait on SMTP, so a request answers in the same time
 * whether or not a mail goes out. Failed sends are retried with backoff; close() waits for what is pending.
 */
export class Mailer {
  private readonly transport: Transporter;
  private readonly pending = new Set<Promise<void>>();
  private static readonly RETRY_DELAYS_MS = [500, 2_000, 10_000, 30_000];

  constructor(
    private readonly options: MailerOptions,
    private readonly logger: Logger,
  ) {
    this.transport = options.smtpUrl
      ? nodemailer.createTransport(options.smtpUrl)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** Where development mail goes, for the start-up banner. */
  describe(): string {
    if (this.options.smtpUrl) return `mail is sent through ${redactUrl(this.options.smtpUrl)}`;
    return `no SMTP_URL: mail is written to ${this.options.outboxDir}/*.eml${this.options.printToConsole ? ' and printed here' : ''}`;
  }

  enqueue(message: MailMessage): void {
    const job = this.deliver(message).finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.transport.close();
  }

  private async deliver(message: MailMessage): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const info = await this.transport.sendMail({ from: this.options.from, ...message });
        if (!this.options.smtpUrl) this.writeToOutbox(message, info.message as Buffer);
        this.logger.info({ subject: message.subject, attempt }, 'mail sent');
        return;
      } catch (err) {
        const delay = Mailer.RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.logger.error({ err, subject: message.subject }, 'mail could not be sent');
          return;
        }
        this.logger.warn({ err, subject: message.subject, attempt }, 'mail send failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  private writeToOutbox(message: MailMessage, raw: Buffer): void {
    mkdirSync(this.options.outboxDir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${message.to.replace(/[^a-z0-9@._-]/gi, '_')}.eml`;
    const file = join(this.options.outboxDir, name);
    writeFileSync(file, raw, { mode: 0o600 });
    if (this.options.printToConsole) {
      process.stdout.write(
        `\n--- mail to ${message.to}: ${message.subject} (${file})\n${message.text}\n---\n`,
      );
    }
  }
}

function redactUrl(value: string): string {
  const url = new URL(value);
  if (url.password) url.password = '***';
  return url.toString();
}
