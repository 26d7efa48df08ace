import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Transporter, TransportOptions as NodemailerOptions } from 'nodemailer';
import { lazy } from '../lazy';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface TransportOptions {
  smtpUrl: string | null;
  from: string;
  outboxDir: string;
  /** Print development mail to stdout (never in production: it carries one-time links). */
  printToConsole: boolean;
  /** Bound on each SMTP phase (connect, greeting, socket idle). */
  sendTimeoutMs: number;
}

const SMTP_CONNECTIONS = 5;
// Reconnect now and then: a long-lived connection must not carry one server-side session forever.
const SMTP_MESSAGES_PER_CONNECTION = 100;
// Loaded at the first mail: a start-up (and a process with nothing to send) never pays for it.
const nodemailer = lazy(() => import('nodemailer'));

/** Delivers one message: over SMTP, or (no SMTP_URL) as an .eml file in the development outbox. */
export class MailTransport {
  private transport: Transporter | null = null;

  constructor(private readonly options: TransportOptions) {}

  private async transporter(): Promise<Transporter> {
    const { createTransport } = await nodemailer();
    this.transport ??= this.options.smtpUrl
      ? // Bounded timeouts: a hung SMTP server must not outlive the outbox lease (see mailer.ts).
        createTransport({
          url: this.options.smtpUrl,
          // A few long-lived connections instead of one connect + greeting (~100 ms) per mail.
          pool: true,
          maxConnections: SMTP_CONNECTIONS,
          maxMessages: SMTP_MESSAGES_PER_CONNECTION,
          connectionTimeout: this.options.sendTimeoutMs,
          greetingTimeout: this.options.sendTimeoutMs,
          socketTimeout: this.options.sendTimeoutMs,
        } as NodemailerOptions)
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return this.transport;
  }

  /** Sends that can usefully run at once: the pooled SMTP connections (one for the file outbox). */
  get connections(): number {
    return this.options.smtpUrl ? SMTP_CONNECTIONS : 1;
  }

  describe(): string {
    if (this.options.smtpUrl) return `mail is sent through ${redactUrl(this.options.smtpUrl)}`;
    const printed = this.options.printToConsole ? ' and printed here' : '';
    return `no SMTP_URL: mail is written to ${this.options.outboxDir}/*.eml${printed}`;
  }

  async send(message: MailMessage): Promise<void> {
    const transport = await this.transporter();
    const info = await transport.sendMail({ from: this.options.from, ...message });
    if (!this.options.smtpUrl) this.writeToOutbox(message, info.message as Buffer);
  }

  /** After the last send (the mailer awaits its sends first). */
  close(): void {
    this.transport?.close();
  }

  private writeToOutbox(message: MailMessage, raw: Buffer): void {
    mkdirSync(this.options.outboxDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(
      this.options.outboxDir,
      `${stamp}-${message.to.replace(/[^a-z0-9@._-]/gi, '_')}.eml`,
    );
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
