import { createServer, type AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

/** A real SMTP server on a free port: the app's nodemailer transport delivers to it over TCP. */
/** A port nothing listens on (yet): an SMTP server that is down. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class Inbox {
  readonly messages: ReceivedMail[] = [];
  private waiters: Array<() => void> = [];
  private server: SMTPServer;
  port = 0;
  /** SMTP connections accepted so far (pooled senders reuse theirs). */
  connections = 0;
  /** Mails whose data has arrived but which are not yet acknowledged (see `replyDelayMs`). */
  pending = 0;

  /** `replyDelayMs`: hold each mail's acknowledgement this long, as a slow SMTP server does. */
  constructor(private readonly options: { replyDelayMs?: number } = {}) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          this.pending++;
          new Promise((resolve) => setTimeout(resolve, this.options.replyDelayMs ?? 0))
            .then(() => simpleParser(raw))
            .then((parsed) => {
              const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
              this.messages.push({
                to: to?.value[0]?.address ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw: raw.toString('utf8'),
              });
              this.waiters.splice(0).forEach((wake) => wake());
              callback();
            })
            .catch(callback)
            .finally(() => this.pending--);
        });
      },
    });
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    // A client killed mid-conversation (the SIGKILL process test) resets its connection; smtp-server
    // reports that as an 'error' on the server, which with no listener would crash the test process.
    this.server.on('error', () => {});
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  for(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to === address.toLowerCase());
  }

  /** Waits until `address` has received `count` mails in all, and returns the newest. */
  async waitFor(address: string, count = 1, timeoutMs = 5000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.for(address).length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`expected ${count} mail(s) to ${address}, got ${this.for(address).length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const mails = this.for(address);
    return mails[mails.length - 1]!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The token in the first link of a mail that points at `path` (e.g. /activate). */
export function linkToken(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://[^\\s"<>]+${path}\\?token=([A-Za-z0-9._%-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in mail "${mail.subject}":\n${mail.text}`);
  return decodeURIComponent(match[1]!);
}
