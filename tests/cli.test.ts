import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { writeRefusals } from '../src/database/server-settings';
import { ACTIVATE, PASSWORD, SIGN_UP, sleep, uniqueEmail } from './helpers/flows';
import { linkToken } from './helpers/inbox';
import { useProcesses } from './helpers/process';
import { TEST_SECRET } from './helpers/server';
import { WebhookReceiver, type Delivery } from './helpers/webhook-receiver';

const CLI = join(__dirname, '..', 'scripts', 'cli.js');
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** `npm run cli -- <args>` as an operator runs it: another process, with only the environment given. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

function query<T>(databaseUrl: string, sql: string): Promise<T[]> {
  const db = new sqlite3.Database(databaseUrl.slice('sqlite:'.length));
  return new Promise<T[]>((resolve, reject) =>
    db.all(sql, (err, rows) => db.close(() => (err ? reject(err) : resolve(rows as T[])))),
  );
}

describe('npm run cli -- --help', () => {
  it('prints every command and exits 0; `<command> --help` explains one', async () => {
    const all = await cli(['--help'], {});
    expect(all.code).toBe(0);
    for (const name of ['promote', 'demote', 'list', 'keys:generate', 'mail:templates'])
      expect(all.out).toContain(name);
    const one = await cli(['promote', '--help'], {});
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/usage: npm run cli -- promote <email>/);
    expect(one.out).toContain('JWT_SECRET');
  });
});

// Finding 12: a CLI run without the server's environment must not write what the server cannot read.
const sqliteOnly = process.env.AUTHQL_TEST_POSTGRES ? describe.skip : describe;
sqliteOnly('promote against a database a production server uses', () => {
  let receiver: WebhookReceiver;
  const dataDir = mkdtempSync(join(tmpdir(), 'authql-cli-'));
  beforeAll(async () => {
    receiver = await new WebhookReceiver(WEBHOOK_SECRET).start();
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const processes = useProcesses({
    WEBHOOK_URL: 'http://127.0.0.1:9/unused',
    WEBHOOK_SECRET,
  });

  it('refuses with another secret or without the webhook settings, changing nothing; works with the server environment', async () => {
    const server = await processes.start({ WEBHOOK_URL: receiver.url });
    const email = uniqueEmail('cli');
    await server.gql(SIGN_UP, { email, password: PASSWORD });
    const mail = await processes.inbox.waitFor(email, 1, 10_000);
    expect((await server.gql(ACTIVATE, { token: linkToken(mail, '/activate') })).errors).toBe(
      undefined,
    );
    const database = processes.databaseUrl;
    const serverEnv = {
      NODE_ENV: 'production',
      DATABASE_URL: database,
      DATA_DIR: dataDir,
      JWT_SECRET: TEST_SECRET,
      SMTP_URL: processes.inbox.url,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET,
    };
    const state = async () => ({
      role: (
        await query<{ role: string }>(database, `select role from users where email = '${email}'`)
      )[0]!.role,
      events: (
        await query<{ n: number }>(database, 'select count(*) as n from security_events')
      )[0]!.n,
    });
    const before = await state();
    expect(before.role).toBe('USER');

    const otherSecret = await cli(['promote', email], {
      ...serverEnv,
      JWT_SECRET: 'another-secret-for-authql-0123456789abcdef',
    });
    expect(otherSecret.code).toBe(1);
    expect(otherSecret.err).toContain(
      "JWT_SECRET differs from the server's (key fingerprint mismatch)",
    );
    expect(otherSecret.out).not.toContain('is now ADMIN');

    const { WEBHOOK_URL: _url, WEBHOOK_SECRET: _secret, ...noWebhooks } = serverEnv;
    const withoutWebhooks = await cli(['promote', email], noWebhooks);
    expect(withoutWebhooks.code).toBe(1);
    expect(withoutWebhooks.err).toContain(
      'the server sends webhooks but WEBHOOK_URL/WEBHOOK_SECRET are not set',
    );

    // Run as if from a checkout with no environment at all: development mode, ./data/jwt-secret.
    const bare = await cli(['promote', email], { DATABASE_URL: database, DATA_DIR: dataDir });
    expect(bare.code).toBe(1);
    expect(bare.err).toContain('key fingerprint mismatch');
    expect(await state()).toEqual(before);

    const right = await cli(['promote', email], serverEnv);
    expect(right.err).toBe('');
    expect(right.code).toBe(0);
    expect(right.out).toContain(`${email} is now ADMIN`);
    expect((await state()).role).toBe('ADMIN');
    // Sealed under the server's key: the running server opens and delivers it.
    const roleChanged = (d: Delivery) => d.body.type === 'user.role_changed';
    const [delivery] = await receiver.waitFor(roleChanged);
    expect(delivery).toMatchObject({ verified: true, body: { data: { email, role: 'ADMIN' } } });
    // The refused runs queued nothing: this is the only role change the receiver ever sees.
    await sleep(500);
    expect(receiver.deliveries.filter(roleChanged)).toHaveLength(1);
  }, 60_000);
});

describe('when the CLI may write (the rules behind the refusals)', () => {
  const server = { keyFingerprint: 'a'.repeat(32), webhooks: false };
  const mine = { ...server, driver: 'sqlite' as const, developmentSecret: false };
  it('refuses PostgreSQL with the development secret, even before any server recorded its key', () => {
    expect(writeRefusals({ ...mine, driver: 'postgresql', developmentSecret: true }, null)).toEqual(
      [expect.stringContaining('PostgreSQL database with the development secret')],
    );
    expect(writeRefusals({ ...mine, developmentSecret: true }, null)).toEqual([]);
  });
  it('lets the server environment write', () => {
    expect(writeRefusals(mine, server)).toEqual([]);
    expect(writeRefusals({ ...mine, driver: 'postgresql' }, server)).toEqual([]);
  });
});
