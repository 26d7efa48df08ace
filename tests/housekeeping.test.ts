import { Session } from '../src/sessions/session.entity';
import { OneTimeToken } from '../src/tokens/one-time-token.entity';
import { User } from '../src/users/user.entity';
import {
  createActiveUser,
  ME,
  RESEND,
  requestResetToken,
  signIn,
  SIGN_UP,
  PASSWORD,
  sleep,
  uniqueEmail,
} from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

const DAY = 24 * 3600_000;

// Finding 15: expired sessions, spent links and never-activated accounts are deleted by themselves.
describe('housekeeping (HOUSEKEEPING_INTERVAL)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ HOUSEKEEPING_INTERVAL: '1s' });
  });
  afterAll(() => server.close());
  const em = () => server.app.orm.em.fork();

  async function waitUntil(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('housekeeping did not run in time');
      await sleep(200);
    }
  }

  it('deletes what nobody needs and keeps everything still live', async () => {
    // An account that never activated, whose link expired long ago: goes.
    const stale = uniqueEmail('stale');
    expect(
      (await server.gql(SIGN_UP, { email: stale, password: PASSWORD })).errors,
    ).toBeUndefined();
    await server.inbox.waitFor(stale);
    // An equally old inactive account that just asked for a new link: stays.
    const waiting = uniqueEmail('waiting');
    expect(
      (await server.gql(SIGN_UP, { email: waiting, password: PASSWORD })).errors,
    ).toBeUndefined();
    await server.inbox.waitFor(waiting);
    const longAgo = new Date(Date.now() - 3 * DAY);
    await em().nativeUpdate(User, { email: { $in: [stale, waiting] } }, { createdAt: longAgo });
    const staleUser = await em().findOneOrFail(User, { email: stale });
    await em().nativeUpdate(OneTimeToken, { user: staleUser.id }, { expiresAt: longAgo });
    expect((await server.gql(RESEND, { email: waiting })).errors).toBeUndefined();
    await server.inbox.waitFor(waiting, 2);

    // A session that expired days ago goes; a live one stays. A used reset link goes.
    const active = await createActiveUser(server);
    const old = await signIn(server, active.email);
    const live = await signIn(server, active.email);
    const oldSid = old.refreshToken.split('.')[0]!;
    await em().nativeUpdate(Session, { id: oldSid }, { expiresAt: longAgo });
    await requestResetToken(server, active.email);
    await requestResetToken(server, active.email); // retires (uses up) the first link

    await waitUntil(async () => (await em().count(User, { email: stale })) === 0);
    await waitUntil(async () => (await em().count(Session, { id: oldSid })) === 0);
    await waitUntil(
      async () =>
        (await em().count(OneTimeToken, { user: active.id, usedAt: { $ne: null } })) === 0,
    );
    expect(await em().count(User, { email: waiting })).toBe(1);
    expect(await em().count(OneTimeToken, { user: active.id, usedAt: null })).toBe(1);
    expect((await server.gql(ME, {}, { token: live.accessToken })).errors).toBeUndefined();
  });

  it('runs once per deployment: a second process sharing the database waits for the interval', async () => {
    const sibling = await startTestServer({
      HOUSEKEEPING_INTERVAL: '1h',
      DATABASE_URL: server.databaseUrl,
    });
    try {
      const first = await sibling.app.services.housekeeping.runIfDue();
      const second = await server.app.services.housekeeping.runIfDue();
      // Whoever ran first moved the lease an hour (or a second) on: the other one does not run now.
      expect([first, second].filter((r) => r !== null).length).toBeLessThanOrEqual(1);
      expect(await sibling.app.services.housekeeping.runIfDue()).toBeNull();
    } finally {
      await sibling.close();
    }
  });
});
