import { transaction } from '../src/database/unit-of-work';
import { OutboxMail } from '../src/mail/outbox.entity';
import { ACTIVATE, PASSWORD, REQUEST_RESET, SIGN_UP, sleep, uniqueEmail } from './helpers/flows';
import { freePort, Inbox, linkToken } from './helpers/inbox';
import { startTestServer, type TestServer } from './helpers/server';

const outboxRows = (server: TestServer) =>
  server.app.orm.em.fork().find(OutboxMail, {}, { orderBy: { createdAt: 'asc' } });

describe('mail outbox with the SMTP server down', () => {
  let server: TestServer;
  let port: number;
  let inbox: Inbox | null = null;
  beforeAll(async () => {
    port = await freePort();
    server = await startTestServer({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_RETRY_BACKOFF: '200ms',
      MAIL_POLL_INTERVAL: '100ms',
    });
  });
  afterAll(async () => {
    await server.close();
    await inbox?.close();
  });

  it('still answers true, keeps the mail (encrypted), and delivers it exactly once when SMTP returns', async () => {
    const email = uniqueEmail();
    const signUp = await server.gql(SIGN_UP, { email, password: PASSWORD });
    expect(signUp.body).toEqual({ data: { signUp: true } });
    const reset = await server.gql(REQUEST_RESET, { email });
    expect(reset.body).toEqual({ data: { requestPasswordReset: true } });

    await sleep(600);
    const pending = await outboxRows(server);
    expect(pending).toHaveLength(2);
    expect(pending[0]!.attempts).toBeGreaterThanOrEqual(1);
    expect(pending[0]!.lastError).toBeTruthy();
    // The payload carries one-time links: it is stored encrypted, never as readable mail.
    for (const row of pending) {
      // (Not a search for "eyJ" in the base64 text: random ciphertext spells it now and then.)
      const bytes = Buffer.from(row.payload, 'base64').toString('latin1');
      for (const text of [row.payload, bytes]) {
        expect(text).not.toContain(email);
        expect(text).not.toContain('token=');
        expect(text).not.toContain('Activate your account');
      }
    }

    inbox = await new Inbox().start(port);
    await inbox.waitFor(email, 2, 15_000);
    expect(
      inbox
        .for(email)
        .map((m) => m.subject)
        .sort(),
    ).toEqual(['Activate your account', 'Reset your password']);
    // The late mail still carries a working link.
    const activation = inbox.for(email).find((m) => /Activate/.test(m.subject))!;
    const activated = await server.gql(ACTIVATE, { token: linkToken(activation, '/activate') });
    expect(activated.errors).toBeUndefined();
    await sleep(1000);
    expect(inbox.for(email)).toHaveLength(2);
    expect(await outboxRows(server)).toHaveLength(0);
  });
});

describe('mail outbox retries', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      MAIL_RETRY_BACKOFF: '50ms',
      MAIL_POLL_INTERVAL: '50ms',
      MAIL_MAX_ATTEMPTS: '3',
    });
  });
  afterAll(() => server.close());

  it('gives up after MAIL_MAX_ATTEMPTS and keeps the row, marked failed, for an operator', async () => {
    const res = await server.gql(SIGN_UP, { email: uniqueEmail(), password: PASSWORD });
    expect(res.data).toEqual({ signUp: true });
    await sleep(1500);
    const rows = await outboxRows(server);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.failedAt !== null && r.attempts === 3)).toBe(true);
  });
});

describe('mail outbox burst with two processes on one database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ MAIL_POLL_INTERVAL: '50ms' });
    b = await startTestServer({
      DATABASE_URL: a.databaseUrl,
      SMTP_URL: a.inbox.url,
      MAIL_POLL_INTERVAL: '50ms',
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers every mail exactly once, in batches over a few pooled SMTP connections', async () => {
    const addresses = Array.from({ length: 300 }, (_, i) => `burst${i}@example.test`);
    // Committed in one go: A's sender wakes at once, B's finds the rest at its next poll (50 ms).
    await transaction(a.app.orm.em.fork(), async (uow) => {
      for (const to of addresses) await a.app.mailer.queue(uow, 'password-changed', to);
    });
    const deadline = Date.now() + 30_000;
    while (a.inbox.messages.length < addresses.length && Date.now() < deadline) await sleep(50);
    // Room for a duplicate to arrive late, had any mail been claimed by both processes.
    await sleep(500);
    const received = a.inbox.messages.map((m) => m.to).sort();
    expect(received).toEqual([...addresses].sort());
    expect(await outboxRows(a)).toHaveLength(0);
    // Pooled: at most 5 connections per process (not one per mail); each reconnects after 100 mails.
    expect(a.inbox.connections).toBeLessThanOrEqual(2 * 5 + 300 / 100);
  });
});
