import { Role } from '../src/users/role';
import { Session } from '../src/sessions/session.entity';
import { User } from '../src/users/user.entity';
import { codeOf, createActiveUser, ME, signIn } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

// `me` answers from a per-process cache of the user for SESSION_CACHE_TTL: these pin its bounds.
const TTL_MS = 700;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SESSION_CACHE_TTL: `${TTL_MS}ms` });
});
afterAll(() => server.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A write that bypasses this process's services, as another authql process would make it. */
const elsewhere = () => server.app.orm.em.fork();

async function signedInUser() {
  const user = await createActiveUser(server);
  const { accessToken } = await signIn(server, user.email);
  const me = await server.gql(ME, {}, { token: accessToken });
  expect(me.data?.me).toMatchObject({ id: user.id, email: user.email, role: 'USER' });
  return { ...user, token: accessToken };
}

describe('me and the per-process user cache', () => {
  it('shows a change made by another process after at most the TTL', async () => {
    const user = await signedInUser();
    await elsewhere().nativeUpdate(User, { id: user.id }, { email: `changed-${user.email}` });
    await sleep(TTL_MS + 100);
    const me = await server.gql(ME, {}, { token: user.token });
    expect(me.data?.me).toMatchObject({ id: user.id, email: `changed-${user.email}` });
  });

  it('refuses a user deleted by another process after at most the TTL', async () => {
    const user = await signedInUser();
    await elsewhere().nativeDelete(User, { id: user.id });
    await sleep(TTL_MS + 100);
    expect(codeOf(await server.gql(ME, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
  });

  it('shows a change made in this process at once', async () => {
    const user = await signedInUser();
    await elsewhere().nativeUpdate(User, { id: user.id }, { role: Role.ADMIN });
    server.app.services.userCache.invalidate(user.id);
    const me = await server.gql(ME, {}, { token: user.token });
    expect(me.data?.me).toMatchObject({ id: user.id, role: 'ADMIN' });
  });

  it('refuses a user deleted in this process at once', async () => {
    const user = await signedInUser();
    await elsewhere().nativeDelete(User, { id: user.id });
    server.app.services.userCache.invalidate(user.id);
    // The session cache may still call the (cascade-deleted) session live: the user read must fail.
    expect(codeOf(await server.gql(ME, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
  });

  it('does not cache a read that was in flight when the user changed', async () => {
    const user = await signedInUser();
    await sleep(TTL_MS + 100);
    const inFlight = server.gql(ME, {}, { token: user.token });
    await elsewhere().nativeUpdate(User, { id: user.id }, { email: `raced-${user.email}` });
    server.app.services.userCache.invalidate(user.id);
    await inFlight;
    const me = await server.gql(ME, {}, { token: user.token });
    expect(me.data?.me).toMatchObject({ email: `raced-${user.email}` });
  });
});

// A cold `me` reads the session and its user in one raw select (both dialects): pin what it returns.
describe('the cold read behind me (live session and user in one query)', () => {
  it('returns the same user, field for field, as a warm me after both caches expire', async () => {
    const user = await signedInUser();
    const warm = await server.gql(ME, {}, { token: user.token });
    await sleep(TTL_MS + 100);
    const cold = await server.gql(ME, {}, { token: user.token });
    expect(cold.errors).toBeUndefined();
    expect(cold.data?.me).toEqual(warm.data?.me);
    expect(cold.data?.me).toMatchObject({ role: 'USER', isActive: true });
    const row = await elsewhere().findOneOrFail(User, { id: user.id });
    expect((cold.data?.me as { createdAt: string }).createdAt).toBe(row.createdAt.toISOString());
  });

  it('refuses a session revoked or expired by another process after at most the TTL', async () => {
    const revoked = await signedInUser();
    const expired = await signedInUser();
    await elsewhere().nativeUpdate(Session, { user: revoked.id }, { revokedAt: new Date() });
    await elsewhere().nativeUpdate(
      Session,
      { user: expired.id },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    await sleep(TTL_MS + 100);
    expect(codeOf(await server.gql(ME, {}, { token: revoked.token }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(ME, {}, { token: expired.token }))).toBe('UNAUTHENTICATED');
  });

  it('shows a change made in this process at once even right after a cold read', async () => {
    const user = await signedInUser();
    await sleep(TTL_MS + 100);
    // Cold: the session read also stores the user; the change below must still win at once.
    expect((await server.gql(ME, {}, { token: user.token })).errors).toBeUndefined();
    await elsewhere().nativeUpdate(User, { id: user.id }, { role: Role.ADMIN });
    server.app.services.userCache.invalidate(user.id);
    const me = await server.gql(ME, {}, { token: user.token });
    expect(me.data?.me).toMatchObject({ id: user.id, role: 'ADMIN' });
  });

  it('does not store a user read by a session check that was in flight when the user changed', async () => {
    const user = await signedInUser();
    await sleep(TTL_MS + 100);
    const { userCache } = server.app.services;
    const mark = userCache.mark();
    userCache.invalidate(user.id);
    // What the session check does with a row it read before the invalidation: it must be dropped.
    const stale = {
      id: user.id,
      email: 'stale@example.com',
      role: Role.USER,
      isActive: true,
      disabled: false,
    };
    userCache.prime({ ...stale, createdAt: new Date() }, mark);
    const me = await server.gql(ME, {}, { token: user.token });
    expect(me.data?.me).toMatchObject({ id: user.id, email: user.email });
  });
});

describe('the verified access-token cache', () => {
  it('still refuses a token once it expires, after it was accepted', async () => {
    const short = await startTestServer({ ACCESS_TOKEN_TTL: '2s' });
    try {
      const user = await createActiveUser(short);
      const { accessToken } = await signIn(short, user.email);
      expect((await short.gql(ME, {}, { token: accessToken })).errors).toBeUndefined();
      await sleep(2100);
      expect(codeOf(await short.gql(ME, {}, { token: accessToken }))).toBe('UNAUTHENTICATED');
    } finally {
      await short.close();
    }
  });
});
