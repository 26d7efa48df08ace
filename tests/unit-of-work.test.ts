import { NestedTransactionError, transaction } from '../src/database/unit-of-work';
import { User } from '../src/users/user.entity';
import { codeOf, createActiveUser, REFRESH, SIGN_OUT, signIn, uniqueEmail } from './helpers/flows';
import { captureLog } from './helpers/log';
import { startTestServer, type TestServer } from './helpers/server';

// Finding 13: what runs after a commit never turns a committed change into an error for its caller.
describe('after-commit effects and transactions', () => {
  let server: TestServer;
  const { logger, lines } = captureLog('info');
  beforeAll(async () => {
    server = await startTestServer({}, { logger });
  });
  afterAll(() => server.close());

  it('an effect that fails is logged; the caller hears that the committed change succeeded', async () => {
    const user = await createActiveUser(server);
    const tokens = await signIn(server, user.email);
    // The session cache is the after-commit effect of signOut: make it fail once.
    const cache = server.app.services.sessionCache;
    const markEnded = cache.markEnded.bind(cache);
    cache.markEnded = () => {
      cache.markEnded = markEnded;
      throw new Error('cache unavailable');
    };
    const res = await server.gql(SIGN_OUT, {}, { token: tokens.accessToken });
    expect(res.body).toEqual({ data: { signOut: true } });
    // It committed: the session is over.
    expect(codeOf(await server.gql(REFRESH, { refreshToken: tokens.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'after-commit effect failed');
    expect(line).toMatchObject({ errorClass: 'Error', errorMessage: 'cache unavailable' });
  });

  it('refuses to nest: a transaction() inside a transaction throws and writes nothing', async () => {
    const email = uniqueEmail('nested');
    const em = server.app.orm.em.fork();
    await expect(
      transaction(em, async (uow) => {
        uow.em.create(User, { email, passwordHash: null });
        await uow.em.flush();
        await transaction(uow.em, async () => undefined);
      }),
    ).rejects.toBeInstanceOf(NestedTransactionError);
    expect(await server.app.orm.em.fork().count(User, { email })).toBe(0);
  });
});
