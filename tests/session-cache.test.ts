import { SessionCache } from '../src/sessions/session-cache';
import { UserCache } from '../src/users/user-cache';
import { deferred } from './helpers/deferred';
import { codeOf, createActiveUser, ME, signIn } from './helpers/flows';
import { startTestServer } from './helpers/server';

// Finding 11: a `me` racing a `signOut` must not store "live" after the session was ended.
describe('the session cache (one TtlCache behind sessions and users)', () => {
  it('never stores a live answer read while the session was being ended', async () => {
    const cache = new SessionCache(60_000);
    const read = deferred<boolean>();
    const racing = cache.isLive('s1', () => read.promise);
    cache.markEnded(['s1']);
    read.resolve(true);
    // The racing request got the answer it read; nothing after it may.
    await expect(racing).resolves.toBe(true);
    expect(await cache.isLive('s1', () => Promise.resolve(true))).toBe(false);
  });

  it('lets go of expired entries on its own, so an idle process does not keep a burst in memory', async () => {
    const cache = new SessionCache(100);
    for (let i = 0; i < 1000; i++) await cache.isLive(`s${i}`, () => Promise.resolve(true));
    cache.markEnded(['ended']);
    expect(cache.cache.size).toBe(1001);
    // No lookup touches the cache meanwhile: only its own sweep (every second at least) can drop them.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(cache.cache.size).toBe(1);
    expect(await cache.isLive('ended', () => Promise.resolve(true))).toBe(false);
  });

  it('coalesces concurrent loads of one key into one read', async () => {
    const cache = new SessionCache(60_000);
    let reads = 0;
    const load = () => {
      reads++;
      return new Promise<boolean>((r) => setTimeout(() => r(true), 10));
    };
    await Promise.all([cache.isLive('s', load), cache.isLive('s', load), cache.isLive('s', load)]);
    expect(reads).toBe(1);
  });

  it('tells its listeners about every local invalidation, not about remote ones', () => {
    const users = new UserCache(60_000);
    const heard: string[] = [];
    users.cache.onInvalidate((id) => heard.push(id));
    users.invalidate('a');
    users.invalidate('b', 'remote');
    expect(heard).toEqual(['a']);
  });
});

describe('signOut racing a cold me (over HTTP)', () => {
  it('never honours the token again once signOut has returned', async () => {
    const server = await startTestServer({ SESSION_CACHE_TTL: '60s' });
    try {
      for (let round = 0; round < 5; round++) {
        const user = await createActiveUser(server);
        const { accessToken } = await signIn(server, user.email);
        const racing = Array.from({ length: 5 }, () => server.gql(ME, {}, { token: accessToken }));
        const out = await server.gql('mutation { signOut }', {}, { token: accessToken });
        expect(out.errors).toBeUndefined();
        await Promise.all(racing);
        expect(codeOf(await server.gql(ME, {}, { token: accessToken }))).toBe('UNAUTHENTICATED');
      }
    } finally {
      await server.close();
    }
  });
});
