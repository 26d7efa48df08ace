import sqlite3 from 'sqlite3';
import {
  ACTIVATE,
  codeOf,
  PASSWORD,
  REQUEST_RESET,
  SIGN_IN,
  SIGN_UP,
  uniqueEmail,
} from './helpers/flows';
import { Inbox, linkToken } from './helpers/inbox';
import {
  PROCESS_MODES,
  useProcesses,
  type AuthqlProcess,
  type ProcessFixture,
} from './helpers/process';

async function activateAndSignIn(
  processes: ProcessFixture,
  proc: AuthqlProcess,
  email: string,
  mailCount = 1,
) {
  // A mail committed before the crash may arrive before or after a newer link that superseded it:
  // a refused link means a newer one is on its way, so take the next mail.
  let activated = false;
  for (let count = mailCount; !activated && count < mailCount + 3; count++) {
    const mail = await processes.inbox.waitFor(email, count, 15_000);
    const res = await proc.gql(ACTIVATE, { token: linkToken(mail, '/activate') });
    if (!res.errors) activated = true;
    else expect(codeOf(res)).toBe('INVALID_TOKEN');
  }
  expect(activated).toBe(true);
  const signedIn = await proc.gql(SIGN_IN, { email, password: PASSWORD });
  expect(signedIn.errors).toBeUndefined();
}

/** A second connection holding SQLite's write lock, as another process in the middle of a write. */
async function lockDatabase(databaseUrl: string): Promise<() => Promise<void>> {
  const db = new sqlite3.Database(databaseUrl.slice('sqlite:'.length));
  await new Promise<void>((resolve, reject) =>
    db.exec('BEGIN IMMEDIATE', (err) => (err ? reject(err) : resolve())),
  );
  return () => new Promise<void>((resolve) => db.exec('ROLLBACK', () => db.close(() => resolve())));
}
// The lock that holds the mail back is SQLite's; on PostgreSQL the same test would race.
const sqliteIt = process.env.AUTHQL_TEST_POSTGRES ? it.skip : it;

describe.each(PROCESS_MODES)('the authql process in NODE_ENV=%s', (mode) => {
  const processes = useProcesses({
    NODE_ENV: mode,
    // A mail claimed by the killed process is taken over after 4 x this.
    MAIL_SEND_TIMEOUT: '1s',
  });
  const start = (extra: Record<string, string> = {}) => processes.start(extra);

  it('on SIGTERM stops accepting, finishes the request in flight, and exits 0 within 10 s', async () => {
    const proc = await start({ BCRYPT_COST: '12' });
    const email = uniqueEmail('sigterm');
    await proc.gql(SIGN_UP, { email, password: PASSWORD });
    await activateAndSignIn(processes, proc, email);
    const inFlight = proc.gql(SIGN_IN, { email, password: PASSWORD });
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    const exit = proc.stop('SIGTERM');
    const answer = await inFlight;
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.signIn.accessToken).toEqual(expect.any(String));
    expect(await exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(fetch(`${proc.origin}/health`)).rejects.toThrow();
  });

  it('on SIGTERM finishes the mail being sent before it exits 0', async () => {
    const slow = await new Inbox({ replyDelayMs: 1_500 }).start();
    try {
      const proc = await start({ SMTP_URL: slow.url, MAIL_SEND_TIMEOUT: '5s' });
      const email = uniqueEmail('sigterm-mail');
      expect((await proc.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
      while (slow.pending === 0) await new Promise((r) => setTimeout(r, 10));
      expect(await proc.stop('SIGTERM')).toBe(0);
      // Acknowledged by the SMTP server and recorded as sent (so never sent again) before the exit.
      expect(slow.for(email)).toHaveLength(1);
      expect(proc.output()).toMatch(/"msg":"mail sent"/);
    } finally {
      await slow.close();
    }
  });

  sqliteIt(
    'on SIGTERM right after answering a reset request still sends its mail, then exits 0',
    async () => {
      const proc = await start();
      const email = uniqueEmail('sigterm-reset');
      expect((await proc.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
      await processes.inbox.waitFor(email, 1, 10_000);
      // The mail is queued after the answer; a write in progress elsewhere holds it back a moment.
      const unlock = await lockDatabase(processes.databaseUrl);
      let exit: Promise<number | string>;
      try {
        const answer = await proc.gql(REQUEST_RESET, { email });
        expect(answer.body).toEqual({ data: { requestPasswordReset: true } });
        exit = proc.stop('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        await unlock();
      }
      expect(await exit).toBe(0);
      const mail = await processes.inbox.waitFor(email, 2, 5_000);
      expect(mail.text).toContain('/reset-password?token=');
    },
    30_000,
  );

  it('killed with SIGKILL in the middle of a sign-up burst leaves a database where every account can activate and sign in', async () => {
    const proc = await start();
    const emails = Array.from({ length: 24 }, () => uniqueEmail('burst'));
    const acknowledged: string[] = [];
    const requests = emails.map((email) =>
      proc.gql(SIGN_UP, { email, password: PASSWORD }).then(
        (res) => {
          if (res.data?.signUp === true) acknowledged.push(email);
        },
        () => undefined,
      ),
    );
    while (acknowledged.length < 8) await new Promise((r) => setTimeout(r, 5));
    expect(await proc.stop('SIGKILL')).toBe('SIGKILL');
    await Promise.all(requests);
    expect(acknowledged.length).toBeLessThan(emails.length);

    const restarted = await start();
    // Each address is its own user, so they go side by side (the mails the killed process had claimed
    // wait out its lease together, not one after another).
    await Promise.all([
      // Acknowledged sign-ups were committed with their activation mail: it arrives (from the outbox
      // if need be).
      ...acknowledged.map((email) => activateAndSignIn(processes, restarted, email)),
      // The others either exist whole or not at all: signing up again works either way.
      ...emails
        .filter((e) => !acknowledged.includes(e))
        .map(async (email) => {
          const before = processes.inbox.for(email).length;
          const again = await restarted.gql(SIGN_UP, { email, password: PASSWORD });
          expect(again.body).toEqual({ data: { signUp: true } });
          await activateAndSignIn(processes, restarted, email, before + 1);
        }),
    ]);
  }, 90_000);
});
