import { Client } from 'pg';
import {
  ACTIVATE,
  codeOf,
  ME,
  PASSWORD,
  REFRESH,
  SIGN_IN,
  SIGN_OUT,
  SIGN_UP,
  sleep,
  uniqueEmail,
} from './helpers/flows';
import { freePort, linkToken } from './helpers/inbox';
import { useProcesses, type AuthqlProcess } from './helpers/process';
import { TcpProxy } from './helpers/tcp-proxy';

const processes = useProcesses({
  SESSION_CACHE_TTL: '1s',
  REFRESH_REUSE_GRACE: '10s',
});
const start = (extra: Record<string, string> = {}) => processes.start(extra);

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: processes.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function activeUser(via: AuthqlProcess) {
  const email = uniqueEmail('multi');
  await via.gql(SIGN_UP, { email, password: PASSWORD });
  const mail = await processes.inbox.waitFor(email, 1, 10_000);
  expect((await via.gql(ACTIVATE, { token: linkToken(mail, '/activate') })).errors).toBeUndefined();
  return email;
}

describe('two authql processes on one PostgreSQL', () => {
  let a: AuthqlProcess;
  let b: AuthqlProcess;
  beforeAll(async () => {
    [a, b] = await Promise.all([start(), start()]);
  });

  it('accept each other’s tokens, and a sign-out on one is refused by the other within SESSION_CACHE_TTL', async () => {
    const email = await activeUser(a);
    const tokens = (await a.gql(SIGN_IN, { email, password: PASSWORD })).data!.signIn;
    expect((await b.gql(ME, {}, tokens.accessToken)).errors).toBeUndefined();
    expect((await a.gql(SIGN_OUT, {}, tokens.accessToken)).data).toEqual({ signOut: true });
    expect(codeOf(await a.gql(ME, {}, tokens.accessToken))).toBe('UNAUTHENTICATED');
    await sleep(1200);
    expect(codeOf(await b.gql(ME, {}, tokens.accessToken))).toBe('UNAUTHENTICATED');
  });

  it('mint at most one successor from 20 concurrent refreshes of one token spread across both', async () => {
    const email = await activeUser(b);
    const { refreshToken } = (await b.gql(SIGN_IN, { email, password: PASSWORD })).data!.signIn;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).gql(REFRESH, { refreshToken })),
    );
    const successors = new Set(
      results.filter((r) => !r.errors).map((r) => r.data!.refreshToken.refreshToken),
    );
    expect(successors.size).toBe(1);
    for (const r of results) if (r.errors) expect(codeOf(r)).toBe('INVALID_TOKEN');
  });

  it('make one account from 50 concurrent sign-ups of one address across both', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).gql(SIGN_UP, { email, password: PASSWORD }),
      ),
    );
    for (const r of results) expect(r.data).toEqual({ signUp: true });
    const rows = await query<{ n: string }>('select count(*) as n from users where email = $1', [
      email,
    ]);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('never send one outbox mail twice', async () => {
    const emails = Array.from({ length: 20 }, () => uniqueEmail('outbox'));
    await Promise.all(
      emails.map((email, i) => (i % 2 ? a : b).gql(SIGN_UP, { email, password: PASSWORD })),
    );
    for (const email of emails) await processes.inbox.waitFor(email, 1, 10_000);
    await sleep(1000);
    for (const email of emails) expect(processes.inbox.for(email)).toHaveLength(1);
    const left = await query<{ n: string }>(
      'select count(*) as n from mail_outbox where failed_at is null',
    );
    expect(Number(left[0]!.n)).toBe(0);
  });
});

describe('rate limits across processes', () => {
  it('share their counts through the database (RATE_LIMIT_STORE defaults to database on PostgreSQL)', async () => {
    const limits = {
      RATE_LIMIT_EMAIL_PER_ADDRESS: '3',
      RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '4',
    };
    const [a, b] = await Promise.all([start(limits), start(limits)]);
    const email = uniqueEmail('limited');
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await (i % 2 ? a : b).gql(SIGN_UP, { email, password: PASSWORD }));
    expect(answers.slice(0, 3).map((r) => r.data)).toEqual([
      { signUp: true },
      { signUp: true },
      { signUp: true },
    ]);
    expect(codeOf(answers[3]!)).toBe('TOO_MANY_REQUESTS');
    expect(answers[3]!.errors![0]!.extensions!.retryAfter).toEqual(expect.any(Number));

    const victim = uniqueEmail('locked');
    for (let i = 0; i < 4; i++) {
      expect(
        codeOf(
          await (i % 2 ? a : b).gql(SIGN_IN, { email: victim, password: 'wrong password here' }),
        ),
      ).toBe('UNAUTHENTICATED');
    }
    expect(codeOf(await a.gql(SIGN_IN, { email: victim, password: 'wrong password here' }))).toBe(
      'TOO_MANY_REQUESTS',
    );
    expect(codeOf(await b.gql(SIGN_IN, { email: victim, password: 'wrong password here' }))).toBe(
      'TOO_MANY_REQUESTS',
    );
  });
});

describe('when the database goes away', () => {
  let proxy: TcpProxy;
  let proc: AuthqlProcess;
  beforeAll(async () => {
    const target = new URL(processes.databaseUrl);
    proxy = new TcpProxy(await freePort(), {
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    await proxy.up();
    const viaProxy = new URL(processes.databaseUrl);
    viaProxy.port = String(proxy.port);
    proc = await start({ DATABASE_URL: viaProxy.toString(), SESSION_CACHE_TTL: '200ms' });
  });
  afterAll(() => proxy.down());

  it('answers 503 on /health and fails closed, then recovers without a restart', async () => {
    const email = await activeUser(proc);
    const tokens = (await proc.gql(SIGN_IN, { email, password: PASSWORD })).data!.signIn;
    expect((await fetch(`${proc.origin}/health`)).status).toBe(200);

    await proxy.down();
    await sleep(300);
    const health = await fetch(`${proc.origin}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable' });
    const signIn = await proc.gql(SIGN_IN, { email, password: PASSWORD });
    expect(codeOf(signIn)).toBe('INTERNAL_SERVER_ERROR');
    expect(signIn.errors![0]!.message).toBe('Internal server error.');
    expect(JSON.stringify(signIn.body)).not.toMatch(/ECONNREFUSED|select|stack/i);
    expect(signIn.data).toBeNull();
    // The session check cannot be made: access is denied, never granted.
    const me = await proc.gql(ME, {}, tokens.accessToken);
    expect(me.data).toBeNull();
    expect(codeOf(me)).toMatch(/INTERNAL_SERVER_ERROR|UNAUTHENTICATED/);
    const refresh = await proc.gql(REFRESH, { refreshToken: tokens.refreshToken });
    expect(refresh.data).toBeNull();

    await proxy.up();
    let healthy = false;
    for (let i = 0; i < 50 && !healthy; i++) {
      healthy = (await fetch(`${proc.origin}/health`)).status === 200;
      if (!healthy) await sleep(200);
    }
    expect(healthy).toBe(true);
    expect((await proc.gql(ME, {}, tokens.accessToken)).errors).toBeUndefined();
    // Nothing was minted during the outage: the refresh token is still the current one.
    expect((await proc.gql(REFRESH, { refreshToken: tokens.refreshToken })).errors).toBeUndefined();
  }, 60_000);
});
