import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { transaction } from '../src/database/unit-of-work';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { openBenchDatabase } from './seed';

/** Puts `count` mails in the outbox of a migrated database, through the app's own Mailer.queue. */
export async function queueMails(
  dbPath: string,
  dataDir: string,
  secret: string,
  count: number,
): Promise<void> {
  const { config, orm } = await openBenchDatabase(dbPath, dataDir, secret);
  try {
    const { mailer } = createServices(config, orm, createLogger('silent'));
    // Queued while no server runs: the after-commit wake-up finds a stopped mailer and does nothing.
    await transaction(orm.em.fork(), async (uow) => {
      for (let i = 0; i < count; i++)
        await mailer.queue(uow, 'password-changed', `mail${i}@bench.test`);
    });
  } finally {
    await orm.close(true);
  }
}

/** A local smtp-server that only counts: when each mail arrived, and to whom. */
export class MailSink {
  readonly arrivals: number[] = [];
  readonly recipients = new Set<string>();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      this.recipients.add(address.address);
      callback();
    },
    onData: (stream, _session, callback) => {
      stream.on('end', () => {
        this.arrivals.push(performance.now());
        callback();
      });
      stream.resume();
    },
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this;
  }

  async waitFor(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.arrivals.length < count && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
