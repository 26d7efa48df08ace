import { Role } from '../src/users/role';
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
