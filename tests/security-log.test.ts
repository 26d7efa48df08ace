import { User } from '../src/users/user.entity';
import {
  ACTIVATE,
  codeOf,
  PASSWORD,
  REFRESH,
  SIGN_IN,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { captureLog } from './helpers/log';
import { startTestServer, type TestServer } from './helpers/server';

const { logger, lines } = captureLog();

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    { RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '2', REFRESH_REUSE_GRACE: '1ms' },
    { logger },
  );
});
afterAll(() => server.close());

const events = () =>
  lines
    .flatMap((l) => l.split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, any>);

describe('security log', () => {
  it('records sign-in success, failure, lockout and refresh reuse with user id and IP, and never a secret', async () => {
    const email = uniqueEmail();
    const activationToken = await signUpAndGetActivationToken(server, email);
    const activated = await server.gql(ACTIVATE, { token: activationToken });
    const userId = activated.data!.activateAccount.id as string;

    const tokens = await signIn(server, email);
    const wrongPassword = 'not the right passphrase at all';
    expect(codeOf(await server.gql(SIGN_IN, { email, password: wrongPassword }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(codeOf(await server.gql(SIGN_IN, { email, password: wrongPassword }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(codeOf(await server.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
      'TOO_MANY_REQUESTS',
    );

    const rotated = await server.gql(REFRESH, { refreshToken: tokens.refreshToken });
    expect(rotated.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(codeOf(await server.gql(REFRESH, { refreshToken: tokens.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );

    const log = events();
    const one = (event: string) => {
      const found = log.filter((e) => e.event === event);
      expect(found.length).toBeGreaterThan(0);
      return found;
    };
    for (const event of ['sign_in', 'sign_in_failed', 'sign_in_lockout', 'refresh_reuse']) {
      for (const line of one(event)) {
        expect(line).toMatchObject({ userId, ip: expect.stringMatching(/127\.0\.0\.1/) });
      }
    }
    expect(one('sign_in_failed')).toHaveLength(2);
    expect(one('sign_in_lockout')).toHaveLength(1);
    expect(one('sign_in_refused')[0]).toMatchObject({ scope: 'account' });

    const hash = (
      await server.app.orm.em
        .fork()
        .findOneOrFail(User, { id: userId }, { populate: ['passwordHash'] })
    ).passwordHash!;
    const text = lines.join('');
    const secrets = {
      PASSWORD,
      wrongPassword,
      activationToken,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      refreshSecret: tokens.refreshToken.split('.')[1]!,
      rotatedRefresh: rotated.data!.refreshToken.refreshToken as string,
      hash,
      hashBody: hash.slice(7),
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect([name, text.includes(secret)]).toEqual([name, false]);
    }
  });
});
