/**
 * What a second factor costs next to bcrypt. In one process, on a fresh SQLite database:
 * - a TOTP verify as completeSignIn does it (open the sealed secret, check ±1 step), 1000 runs;
 * - the ticket round trip over HTTP: signIn answering MFA_REQUIRED (the ticket written) against a plain
 *   signIn, then completeSignIn with a TOTP code, one account each (a code is accepted once per account);
 * - one bcrypt compare at the production default cost 12, the work a sign-in pays anyway.
 * Usage: npm run build && node dist/bench/mfa.js [accounts=200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { generateSync } from 'otplib';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { Totp } from '../src/mfa/totp';
import { ServerSecrets } from '../src/tokens/secrets';
import { User } from '../src/users/user.entity';

const PASSWORD = 'bench password 0123';
const SIGN_IN = `mutation ($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }`;
const COMPLETE = `mutation ($t: String!, $c: String!) { completeSignIn(mfaTicket: $t, code: $c) { accessToken } }`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

async function main(): Promise<void> {
  const accounts = Number(process.argv[2] ?? 200);

  const totp = new Totp(new ServerSecrets('bench-secret-0123456789abcdef0123456789', []), 'bench');
  const secret = await totp.newSecret();
  const sealed = totp.seal(secret);
  for (let i = 0; i < 200; i++) await totp.verify(totp.open(sealed), '000000', null);
  const runs = 1000;
  let start = performance.now();
  for (let i = 0; i < runs; i++)
    await totp.verify(totp.open(sealed), generateSync({ secret }), null);
  const rightUs = ((performance.now() - start) / runs) * 1000;
  start = performance.now();
  for (let i = 0; i < runs; i++) await totp.verify(totp.open(sealed), '000000', null);
  const wrongUs = ((performance.now() - start) / runs) * 1000;
  start = performance.now();
  for (let i = 0; i < runs; i++) generateSync({ secret });
  const generateUs = ((performance.now() - start) / runs) * 1000;

  const hash12 = await bcrypt.hash(PASSWORD, 12);
  const bcryptMs: number[] = [];
  for (let i = 0; i < 10; i++)
    bcryptMs.push((await timed(() => bcrypt.compare(PASSWORD, hash12)))[1]);

  const dir = mkdtempSync(join(tmpdir(), 'authql-bench-mfa-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`,
    JWT_SECRET: 'bench-secret-0123456789abcdef0123456789',
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_SIGNIN_PER_IP: '1000000',
    RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '1000000',
    RATE_LIMIT_TOKEN_PER_IP: '1000000',
  });
  const app = await createApp(config);
  const url = await app.listen(0, '127.0.0.1');
  const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: Record<string, Record<string, string>>;
      errors?: Array<{ extensions: Record<string, unknown> }>;
    };
  };
  try {
    const em = app.orm.em.fork();
    const passwordHash = await bcrypt.hash(PASSWORD, 4);
    const emails = Array.from({ length: accounts }, (_, i) => `bench-${i}@example.com`);
    for (const email of [...emails, 'plain@example.com'])
      em.create(User, { email, passwordHash, isActive: true });
    await em.flush();
    const secrets = new Map<string, string>();
    for (const email of emails) {
      const { accessToken } = (await gql(SIGN_IN, { e: email, p: PASSWORD })).data!.signIn!;
      const started = await gql('mutation { startTotpEnrollment { secret } }', {}, accessToken);
      const s = started.data!.startTotpEnrollment!.secret!;
      // The previous step's code, so the current one is still unused for the timed sign-in; retried
      // once if a step boundary passed in between.
      const confirm = () =>
        gql(
          'mutation ($c: String!) { confirmTotpEnrollment(code: $c) }',
          { c: generateSync({ secret: s, epoch: Math.floor(Date.now() / 1000) - 30 }) },
          accessToken,
        );
      const ok = (await confirm()).errors ? await confirm() : { errors: undefined };
      if (ok.errors) throw new Error(JSON.stringify(ok.errors));
      secrets.set(email, s);
    }

    const plainMs: number[] = [];
    const ticketMs: number[] = [];
    const completeMs: number[] = [];
    for (const email of emails) {
      plainMs.push((await timed(() => gql(SIGN_IN, { e: 'plain@example.com', p: PASSWORD })))[1]);
      const [res, t1] = await timed(() => gql(SIGN_IN, { e: email, p: PASSWORD }));
      ticketMs.push(t1);
      const ticket = res.errors?.[0]?.extensions.mfaTicket as string;
      const code = generateSync({ secret: secrets.get(email)! });
      const [done, t2] = await timed(() => gql(COMPLETE, { t: ticket, c: code }));
      if (done.errors) throw new Error(JSON.stringify(done.errors));
      completeMs.push(t2);
    }

    const lines = [
      `TOTP verify (open sealed secret + check ±1 step), ${runs} runs: right code ${(rightUs / 1000).toFixed(3)} ms (incl. ${(generateUs / 1000).toFixed(3)} ms to generate it), wrong code ${(wrongUs / 1000).toFixed(3)} ms`,
      `bcrypt compare at cost 12 (what every password sign-in pays): median ${ms(median(bcryptMs))}`,
      `over HTTP on SQLite, ${accounts} accounts, bcrypt cost 4 so the difference shows (median / p95):`,
      `  signIn, no TOTP (session + tokens):      ${ms(median(plainMs))} / ${ms(p95(plainMs))}`,
      `  signIn answering MFA_REQUIRED (ticket):  ${ms(median(ticketMs))} / ${ms(p95(ticketMs))}`,
      `  completeSignIn with a TOTP code:         ${ms(median(completeMs))} / ${ms(p95(completeMs))}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
