import { Role } from '../src/users/role';
import { Session } from '../src/sessions/session.entity';
import { UserCache } from '../src/users/user-cache';
import type { UserSnapshot } from '../src/users/user-snapshot';
import { User } from '../src/users/user.entity';
import { deferred } from './helpers/deferred';
import {
  codeOf,
  createActiveUser,
  DELETE_ACCOUNT,
  ME,
  PASSWORD,
  signIn,
  uniqueEmail,
} from './helpers/flows';
import { CONFIRM_TOTP, DISABLE_TOTP, ME_MFA, START_TOTP, totpCode } from './helpers/mfa';
import { startTestServer, type TestServer } from './helpers/server';

// `me` answers from a per-process cache of the user for SESSION_CACHE_TTL: these pin its bounds.
const TTL_MS = 700;
/** Short TTL: a change made by another process shows after it. */
let server: TestServer;
/** The longest TTL: a change this process shows at once can only be its own invalidation's doing. */
let held: TestServer;
beforeAll(async () => {
  [server, held] = await Promise.all([
    startTestServer({ SESSION_CACHE_TTL: `${TTL_MS}ms` }),
    startTestServer({ SESSION_CACHE_TTL: '60s' }),
  ]);
});
afterAll(() => Promise.all([server.close(), held.close()]));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A write that bypasses this process's services, as another authql process would make it. */
const elsewhere = () => server.app.orm.em.fork();

/** A user whose first `me` (a cold read: the session check stores the user) is cached. */
async function signedInUser(on = server) {
  const user = await createActiveUser(on);
  const { accessToken } = await signIn(on, user.email);
  const me = await on.gql(ME, {}, { token: accessToken });
  expect(me.data?.me).toMatchObject({ id: user.id, email: user.email, role: 'USER' });
  return { ...user, token: accessToken };
}

async function mfaEnabled(token: string): Promise<boolean> {
  const me = await held.gql(ME_MFA, {}, { token });
  expect(me.errors).toBeUndefined();
  return me.data!.me.mfaEnabled as boolean;
}

describe('me and the per-process user cache: changes made by another process', () => {
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
});

// Changes made through this process's own API, on a server that would otherwise keep the user 60 s.
describe('me and the per-process user cache: changes made in this process', () => {
  it('shows a change made in this process at once, right after a cold read and after a warm one', async () => {
    const user = await signedInUser(held);
    expect(await mfaEnabled(user.token)).toBe(false);
    const started = await held.gql(START_TOTP, {}, { token: user.token });
    expect(started.errors).toBeUndefined();
    const code = totpCode(started.data!.startTotpEnrollment.secret as string);
    const on = await held.gql(CONFIRM_TOTP, { code }, { token: user.token });
    expect(on.errors).toBeUndefined();
    // The user cached by the cold read is gone: TOTP shows on.
    expect(await mfaEnabled(user.token)).toBe(true);
    const off = await held.gql(DISABLE_TOTP, { password: PASSWORD }, { token: user.token });
    expect(off.data).toEqual({ disableTotp: true });
    // So is the user `me` itself just read and cached.
    expect(await mfaEnabled(user.token)).toBe(false);
  });

  it('refuses a user an admin disabled in this process at once (ACCOUNT_DISABLED, not a stale user)', async () => {
    const user = await signedInUser(held);
    const admin = await createActiveUser(held, uniqueEmail('admin'));
    await held.app.services.admin.setRoleByEmail(held.app.orm.em.fork(), admin.email, Role.ADMIN);
    const { accessToken: adminToken } = await signIn(held, admin.email);
    const disabled = await held.gql(
      `mutation ($id: ID!) { disableUser(id: $id) { disabled } }`,
      { id: user.id },
      { token: adminToken },
    );
    expect(disabled.data).toEqual({ disableUser: { disabled: true } });
    // The session ended with it; the user read behind that answer must be the disabled one.
    expect(codeOf(await held.gql(ME, {}, { token: user.token }))).toBe('ACCOUNT_DISABLED');
  });

  it('refuses a user deleted in this process at once, and keeps no copy of them', async () => {
    const user = await signedInUser(held);
    const deleted = await held.gql(DELETE_ACCOUNT, { password: PASSWORD }, { token: user.token });
    expect(deleted.data).toEqual({ deleteAccount: true });
    expect(codeOf(await held.gql(ME, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
    // The ended sessions alone refuse that `me`: the cache must not answer for the user either.
    const em = () => held.app.orm.em.fork();
    await expect(Promise.resolve(held.app.services.userCache.get(em, user.id))).resolves.toBeNull();
  });
});

describe('the user cache and a read in flight (deterministic: the test holds the read)', () => {
  const snapshot = (email: string): UserSnapshot => ({
    id: 'u1',
    email,
    role: Role.USER,
    isActive: true,
    disabled: false,
    mfaEnabled: false,
    name: null,
    locale: 'en',
    emailVerified: true,
    metadata: {},
    appMetadata: {},
    createdAt: new Date(0),
  });

  it('does not cache a read that was in flight when the user changed', async () => {
    const users = new UserCache(60_000);
    const read = deferred<UserSnapshot | null>();
    const racing = users.cache.get('u1', () => read.promise);
    users.invalidate('u1');
    read.resolve(snapshot('stale@example.com'));
    // The racing request gets the row it read; no later one may.
    await expect(racing).resolves.toMatchObject({ email: 'stale@example.com' });
    const next = await users.cache.get('u1', () => Promise.resolve(snapshot('new@example.com')));
    expect(next).toMatchObject({ email: 'new@example.com' });
  });

  it('caches a read that nothing raced (the guard above refuses only what it must)', async () => {
    const users = new UserCache(60_000);
    await users.cache.get('u1', () => Promise.resolve(snapshot('kept@example.com')));
    const next = await users.cache.get('u1', () => Promise.resolve(snapshot('unread@example.com')));
    expect(next).toMatchObject({ email: 'kept@example.com' });
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

  it('does not store a user read by a session check that was in flight when the user changed', async () => {
    // On the 60 s server: the session stays cached live, so no later session read can mend the cache.
    const user = await signedInUser(held);
    const { userCache } = held.app.services;
    const mark = userCache.mark();
    userCache.invalidate(user.id);
    // What the session check does with a row it read before the invalidation: it must be dropped.
    const stale = {
      id: user.id,
      email: 'stale@example.com',
      role: Role.USER,
      isActive: true,
      mfaEnabled: false,
      disabled: false,
      name: null,
      locale: 'en',
      emailVerified: true,
      metadata: {},
      appMetadata: {},
    };
    userCache.prime({ ...stale, createdAt: new Date() }, mark);
    const me = await held.gql(ME, {}, { token: user.token });
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
