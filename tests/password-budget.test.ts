import {
  CHANGE_PASSWORD,
  codeOf,
  createActiveUser,
  DELETE_ACCOUNT,
  PASSWORD,
  SIGN_IN,
  signIn,
  uniqueEmail,
} from './helpers/flows';
import { PRODUCTION_ENV } from './helpers/production';
import { startTestServer, type GqlResult, type TestServer } from './helpers/server';

// Findings 2 and 4 (issue 15): the per-account failure budget is taken before bcrypt runs, shared by
// re-confirming a password, and the bcrypt queue is bounded. Production mode, production bcrypt cost.
const WRONG = 'not the right passphrase';

const servers: TestServer[] = [];
async function serverWith(env: Record<string, string>) {
  const server = await startTestServer({ ...PRODUCTION_ENV, ...env });
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

function tally(results: GqlResult[]) {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const code = String(codeOf(r) ?? 'OK');
    counts[code] = (counts[code] ?? 0) + 1;
    if (code === 'TOO_MANY_REQUESTS') {
      const retryAfter = r.errors![0]!.extensions!.retryAfter;
      expect(Number.isInteger(retryAfter) && (retryAfter as number) > 0).toBe(true);
    }
  }
  return counts;
}

describe('per-account failure budget under concurrency', () => {
  it('40 concurrent wrong passwords run at most RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT checks', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '10' });
    const user = await createActiveUser(server);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => server.gql(SIGN_IN, { email: user.email, password: WRONG })),
    );
    const counts = tally(results);
    expect(counts.UNAUTHENTICATED ?? 0).toBeLessThanOrEqual(10);
    expect(counts.UNAUTHENTICATED ?? 0).toBeGreaterThan(0);
    expect(counts.TOO_MANY_REQUESTS).toBe(40 - (counts.UNAUTHENTICATED ?? 0));
    // The budget is spent: even the right password is refused before bcrypt.
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'TOO_MANY_REQUESTS',
    );
  });
});

describe('re-confirming a password spends the same budget', () => {
  it('120 wrong changePassword guesses: at most the budget is checked, the rest refused, sign-in too', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '10' });
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const results: GqlResult[] = [];
    for (let batch = 0; batch < 6; batch++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            server.gql(
              CHANGE_PASSWORD,
              { currentPassword: `${WRONG} ${batch}-${i}`, newPassword: 'a brand new passphrase' },
              { token: accessToken },
            ),
          ),
        )),
      );
    }
    const counts = tally(results);
    expect(counts.UNAUTHENTICATED ?? 0).toBeLessThanOrEqual(10);
    expect(counts.TOO_MANY_REQUESTS).toBe(120 - (counts.UNAUTHENTICATED ?? 0));
    expect(counts.OK).toBeUndefined();
    // The right current password is refused too now, and so is signIn: one budget per account.
    const right = await server.gql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
      { token: accessToken },
    );
    expect(codeOf(right)).toBe('TOO_MANY_REQUESTS');
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'TOO_MANY_REQUESTS',
    );
  });

  it('deleteAccount guesses spend the sign-in budget', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '3' });
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        codeOf(await server.gql(DELETE_ACCOUNT, { password: WRONG }, { token: accessToken })),
      );
    expect(codes).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'TOO_MANY_REQUESTS',
    ]);
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'TOO_MANY_REQUESTS',
    );
  });
});

describe('bounded bcrypt queue', () => {
  it('a flood that fills the queue is answered TOO_MANY_REQUESTS instead of waiting', async () => {
    // One bcrypt thread, two waiting places, slow hashes: nearly all of 30 concurrent sign-ins are refused.
    const server = await serverWith({
      BCRYPT_THREADS: '1',
      BCRYPT_QUEUE_LIMIT: '2',
      BCRYPT_COST: '12',
    });
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        server.gql(SIGN_IN, { email: uniqueEmail('ghost'), password: WRONG }),
      ),
    );
    const counts = tally(results);
    expect(counts.TOO_MANY_REQUESTS ?? 0).toBeGreaterThanOrEqual(20);
    expect(counts.UNAUTHENTICATED ?? 0).toBeGreaterThan(0);
    expect((counts.UNAUTHENTICATED ?? 0) + (counts.TOO_MANY_REQUESTS ?? 0)).toBe(30);
  });

  it('a sign-in refused for a full queue gives its failure point back', async () => {
    const server = await serverWith({
      BCRYPT_THREADS: '1',
      BCRYPT_QUEUE_LIMIT: '1',
      BCRYPT_COST: '12',
      RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '10',
    });
    const user = await createActiveUser(server);
    // 20 at once against one account: a few are checked, the rest find no place in the queue.
    const counts = tally(
      await Promise.all(
        Array.from({ length: 20 }, () =>
          server.gql(SIGN_IN, { email: user.email, password: WRONG }),
        ),
      ),
    );
    expect(counts.TOO_MANY_REQUESTS ?? 0).toBeGreaterThanOrEqual(12);
    // Only the checked ones were counted (had every refused one kept its point, 10 would be spent).
    await signIn(server, user.email);
  });
});
