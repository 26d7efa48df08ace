import {
  ACTIVATE,
  codeOf,
  ME,
  PASSWORD,
  REFRESH,
  REQUEST_RESET,
  SIGN_IN,
  SIGN_OUT,
  SIGN_UP,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import { requestAlone } from './helpers/http';
import { linkToken } from './helpers/inbox';
import { childrenOf, useProcesses, type AuthqlProcess } from './helpers/process';

/**
 * WORKERS=2 as users run it: a real primary with two workers in production mode on one SQLite file
 * (or PostgreSQL). Every request here opens its own connection, so the primary's round-robin spreads
 * them over both workers, as separate clients would be.
 */
const procs = useProcesses({
  NODE_ENV: 'production',
  BCRYPT_COST: '10',
  WORKERS: '2',
  // Long enough that a worker not told about an ended session would still honour it during the test.
  SESSION_CACHE_TTL: '60s',
  RATE_LIMIT_EMAIL_PER_ADDRESS: '5',
});

interface Answer {
  status: number;
  data?: any;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** One POST on a connection of its own: the next request may land on the other worker. */
async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Answer> {
  const { status, text } = await requestAlone(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status, ...(JSON.parse(text) as object) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('WORKERS=2 (node:cluster, production mode)', () => {
  let server: AuthqlProcess;
  beforeAll(async () => {
    server = await procs.start();
  });

  it('runs a primary with two workers on one port', () => {
    expect(childrenOf(server.child.pid!)).toHaveLength(2);
  });

  it('holds up under concurrent sign-ups, activations, sign-ins and refreshes: no SQLITE_BUSY, no masked error', async () => {
    const emails = Array.from({ length: 24 }, () => uniqueEmail('cluster'));
    const signUps = await Promise.all(
      emails.map((email) => post(server.url, SIGN_UP, { email, password: PASSWORD })),
    );
    for (const res of signUps) expect(res).toEqual({ status: 200, data: { signUp: true } });
    const tokens = await Promise.all(
      emails.map(async (email) =>
        linkToken(await procs.inbox.waitFor(email, 1, 15_000), '/activate'),
      ),
    );
    const activations = await Promise.all(
      tokens.map((token) => post(server.url, ACTIVATE, { token })),
    );
    for (const res of activations) expect(res.errors).toBeUndefined();

    const signIns = await Promise.all(
      emails.map((email) => post(server.url, SIGN_IN, { email, password: PASSWORD })),
    );
    for (const res of signIns) expect(res.errors).toBeUndefined();
    let sessions = signIns.map((res) => res.data.signIn as Tokens);

    // Refresh rotations (writes) side by side with more sign-ups (writes), three rounds.
    for (let round = 0; round < 3; round++) {
      const more = Array.from({ length: 12 }, () => uniqueEmail('cluster-more'));
      const [refreshed, signedUp] = await Promise.all([
        Promise.all(
          sessions.map((s) => post(server.url, REFRESH, { refreshToken: s.refreshToken })),
        ),
        Promise.all(more.map((email) => post(server.url, SIGN_UP, { email, password: PASSWORD }))),
      ]);
      for (const res of [...refreshed, ...signedUp]) {
        expect(res.status).toBe(200);
        expect(res.errors).toBeUndefined();
      }
      sessions = refreshed.map((res) => res.data.refreshToken as Tokens);
    }
    expect(server.output()).not.toMatch(/SQLITE_BUSY|database is locked/);
  });

  it('shares one rate-limit budget between the workers (5 mails per address, not 5 per worker)', async () => {
    const email = uniqueEmail('cluster-limit');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post(server.url, REQUEST_RESET, { email })),
    );
    const refused = answers.filter((res) => codeOf(res) === 'TOO_MANY_REQUESTS');
    const accepted = answers.filter((res) => res.data?.requestPasswordReset === true);
    expect(accepted).toHaveLength(5);
    expect(refused).toHaveLength(7);
  });

  it('a session ended through one worker is refused by every worker at once (SESSION_CACHE_TTL is 60 s)', async () => {
    const email = uniqueEmail('cluster-signout');
    await post(server.url, SIGN_UP, { email, password: PASSWORD });
    const token = linkToken(await procs.inbox.waitFor(email, 1, 15_000), '/activate');
    expect((await post(server.url, ACTIVATE, { token })).errors).toBeUndefined();
    const { accessToken } = (await post(server.url, SIGN_IN, { email, password: PASSWORD })).data
      .signIn as Tokens;
    // Both workers now hold the session as live in their caches.
    for (let i = 0; i < 6; i++)
      expect((await post(server.url, ME, {}, accessToken)).errors).toBeUndefined();
    expect((await post(server.url, SIGN_OUT, {}, accessToken)).data).toEqual({ signOut: true });
    for (let i = 0; i < 6; i++) {
      expect(codeOf(await post(server.url, ME, {}, accessToken))).toBe('UNAUTHENTICATED');
    }
  });

  it('SIGTERM to the primary drains every worker and exits 0', async () => {
    const workers = childrenOf(server.child.pid!);
    expect(workers).toHaveLength(2);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });

  // The primary of a restart finds nothing to migrate without opening the ORM (on SQLite).
  it('restarts on the migrated database and serves the accounts made before', async () => {
    // The first start migrated the new database and said so: else the last check proves nothing.
    expect(server.output()).toMatch(/migrations applied/);
    const email = uniqueEmail('restart');
    server = await procs.start();
    await post(server.url, SIGN_UP, { email, password: PASSWORD });
    const token = linkToken(await procs.inbox.waitFor(email, 1, 15_000), '/activate');
    expect((await post(server.url, ACTIVATE, { token })).errors).toBeUndefined();
    expect(await server.stop('SIGTERM')).toBe(0);
    server = await procs.start();
    expect(childrenOf(server.child.pid!)).toHaveLength(2);
    const signIn = await post(server.url, SIGN_IN, { email, password: PASSWORD });
    expect(signIn.errors).toBeUndefined();
    const me = await post(server.url, ME, {}, (signIn.data.signIn as Tokens).accessToken);
    expect(me.data.me.email).toBe(email);
    expect(server.output()).not.toMatch(/migrations applied/);
  });
});
