import { codeOf, createActiveUser, PASSWORD, RESEND, SIGN_IN, uniqueEmail } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

// A realistic bcrypt cost, so the work a dummy compare stands in for dwarfs the noise of a shared machine.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    BCRYPT_COST: '10',
    RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '8',
  });
});
afterAll(() => server.close());

const TRIES = 7;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Medians of interleaved runs, so a burst of load elsewhere hits both sides alike. */
async function compare(a: () => Promise<unknown>, b: () => Promise<unknown>) {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < TRIES; i++) {
    ta.push(await timed(a));
    tb.push(await timed(b));
  }
  return { a: median(ta), b: median(tb) };
}

describe('response timing does not tell whether an address is registered', () => {
  it('signIn: a wrong password and an unknown address take the same time (median ratio 0.5 to 2)', async () => {
    const user = await createActiveUser(server);
    // 7 failures stay under the per-address lockout (8), so every try runs bcrypt.
    const { a: wrong, b: unknown } = await compare(
      async () =>
        expect(
          codeOf(await server.gql(SIGN_IN, { email: user.email, password: 'wrong ' + PASSWORD })),
        ).toBe('UNAUTHENTICATED'),
      async () =>
        expect(
          codeOf(await server.gql(SIGN_IN, { email: uniqueEmail('ghost'), password: PASSWORD })),
        ).toBe('UNAUTHENTICATED'),
    );
    const ratio = wrong / unknown;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('a refused (rate-limited) sign-in does no bcrypt work', async () => {
    const locked = uniqueEmail('ghost');
    for (let i = 0; i < 8; i++) await server.gql(SIGN_IN, { email: locked, password: PASSWORD });
    const { a: refused, b: checked } = await compare(
      async () =>
        expect(codeOf(await server.gql(SIGN_IN, { email: locked, password: PASSWORD }))).toBe(
          'TOO_MANY_REQUESTS',
        ),
      () => server.gql(SIGN_IN, { email: uniqueEmail('ghost'), password: PASSWORD }),
    );
    expect(refused).toBeLessThan(checked / 2);
  });

  it('resendActivation: a waiting account and an unknown address take about the same time', async () => {
    const waiting: string[] = [];
    for (let i = 0; i < TRIES; i++) {
      const email = uniqueEmail('waiting');
      await server.gql(
        'mutation ($e: String!, $p: String!) { signUp(input: { email: $e, password: $p }) }',
        { e: email, p: PASSWORD },
      );
      waiting.push(email);
    }
    let n = 0;
    const { a: known, b: unknown } = await compare(
      () => server.gql(RESEND, { email: waiting[n++]! }),
      () => server.gql(RESEND, { email: uniqueEmail('ghost') }),
    );
    // Both answer before any lookup; a few ms of slack absorbs scheduler noise on tiny numbers.
    expect(Math.abs(known - unknown)).toBeLessThan(Math.max(known, unknown) * 0.5 + 5);
    await server.inbox.waitFor(waiting[TRIES - 1]!, 2);
  });
});
