import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD, SIGN_UP, uniqueEmail } from './helpers/flows';
import { freePort, Inbox } from './helpers/inbox';
import { PROCESS_MODES, spawnAuthql, type AuthqlProcess } from './helpers/process';

let dir = '';
let inbox: Inbox;
const running: AuthqlProcess[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'authql-boot-'));
  inbox = await new Inbox().start();
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await inbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const database = (name: string) => `sqlite:${join(dir, `${name}.sqlite`)}`;

/** The exit code and output of a process that must refuse to boot. */
async function refusal(env: Record<string, string>): Promise<string> {
  const started = spawnAuthql({ DATA_DIR: dir, DATABASE_URL: database('refused'), ...env });
  started.then((p) => running.push(p)).catch(() => undefined);
  await expect(started).rejects.toThrow(/authql exited \(1\) before listening/);
  return ((await started.catch((err: Error) => err)) as Error).message;
}

describe('boot refusals (a real process: exit code 1 and a message naming the variable)', () => {
  it('refuses NODE_ENV unset on a network HOST', async () => {
    const out = await refusal({ NODE_ENV: '', HOST: '0.0.0.0', SMTP_URL: inbox.url });
    expect(out).toMatch(/authql: NODE_ENV is unset while HOST=0\.0\.0\.0 is reachable/);
    expect(out).not.toMatch(/authql listening on/);
  });

  it('refuses production without SMTP_URL, and boots with MAIL_TRANSPORT=file', async () => {
    const out = await refusal({ NODE_ENV: 'production' });
    expect(out).toMatch(/authql: SMTP_URL is required in production/);
    const proc = await spawnAuthql({
      DATA_DIR: dir,
      DATABASE_URL: database('file-mail'),
      NODE_ENV: 'production',
      MAIL_TRANSPORT: 'file',
    });
    running.push(proc);
    // main.ts prints how mail goes right after the listening line.
    while (!/mail is written to/.test(proc.output())) await new Promise((r) => setTimeout(r, 20));
    expect(proc.output()).toMatch(/mail is written to .*outbox/);
    expect(await proc.stop('SIGTERM')).toBe(0);
  });

  it('refuses TRUST_PROXY=true', async () => {
    const out = await refusal({ TRUST_PROXY: 'true', SMTP_URL: inbox.url });
    expect(out).toMatch(/authql: TRUST_PROXY=true is refused/);
  });
});

describe.each(PROCESS_MODES)('PORT without APP_URL in NODE_ENV=%s', (mode) => {
  it('mails links that open on that port, and the page answers', async () => {
    const port = await freePort();
    const proc = await spawnAuthql({
      NODE_ENV: mode,
      PORT: String(port),
      DATA_DIR: dir,
      DATABASE_URL: database(`port-${mode}`),
      SMTP_URL: inbox.url,
    });
    running.push(proc);
    expect(proc.url).toBe(`http://127.0.0.1:${port}/graphql`);
    // The start-up lines end with how mail goes; in development they name the pages to open first.
    const deadline = Date.now() + 15_000;
    while (!/mail is sent through/.test(proc.output())) {
      if (Date.now() > deadline)
        throw new Error(`no "mail is sent through" line within 15 s; output:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const pages = [
      `authql development page: http://localhost:${port}/\n`,
      `authql GraphQL: http://localhost:${port}/graphql (`,
      `GraphiQL at http://localhost:${port}/graphiql)`,
      `authql admin console: http://localhost:${port}/admin\n`,
    ];
    for (const line of pages)
      if (mode === 'development') expect(proc.output()).toContain(line);
      else expect(proc.output()).not.toContain(line);
    const email = uniqueEmail('port');
    expect((await proc.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
    const mail = await inbox.waitFor(email, 1, 10_000);
    const link = new RegExp(`http://localhost:${port}/activate\\?token=\\S+`).exec(mail.text);
    expect(link).not.toBeNull();
    const page = await fetch(link![0]);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<form[^>]+method="post"/i);
    expect(await proc.stop('SIGTERM')).toBe(0);
  });
});
