import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createAuthqlClient } from '../client/src/apollo';
import { AuthqlError, memoryStorage, type TokenStorage } from '../client/src';
import { countingFetch } from './helpers/client';
import { createActiveUser, PASSWORD, uniqueEmail } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

// Access tokens that really expire (ACCESS_TOKEN_TTL 2s): the server refuses them, and the client
// (and its Apollo link) refreshes once for everyone holding one.
let server: TestServer;
beforeAll(async () => {
  // Two mails per address: enough for every account here (one activation mail each), and a limit
  // the last test can reach.
  server = await startTestServer({ ACCESS_TOKEN_TTL: '2s', RATE_LIMIT_EMAIL_PER_ADDRESS: '2' });
});
afterAll(() => server.close());

const stored = async (storage: TokenStorage) =>
  JSON.parse((await storage.get())!) as { accessToken: string; refreshAt: number };

/** Waits until the server no longer accepts this access token (its `exp` has passed). */
async function untilExpired(accessToken: string) {
  const { exp } = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
    exp: number;
  };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 100));
  const refused = await server.gql('{ me { id } }', {}, { token: accessToken });
  expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
}

async function signedIn(options: { refreshMarginSec?: number } = {}) {
  const user = await createActiveUser(server, uniqueEmail('expiry'));
  const storage = memoryStorage();
  const counter = countingFetch();
  const auth = createAuthqlClient({ url: server.url, storage, fetch: counter.fetch, ...options });
  await auth.signIn({ email: user.email, password: PASSWORD });
  return { auth, storage, counter, user };
}

describe('@authql/client with expiring access tokens', () => {
  it('20 concurrent requests after expiry cause one refreshToken call', async () => {
    const { auth, storage, counter, user } = await signedIn();
    await untilExpired((await stored(storage)).accessToken);
    const users = await Promise.all(Array.from({ length: 20 }, () => auth.me()));
    expect(users.map((u) => u.email)).toEqual(Array(20).fill(user.email));
    expect(counter.count('refreshToken')).toBe(1);
  });

  it('20 concurrent requests that the server refuses as expired cause one refreshToken call', async () => {
    const { auth, storage, counter, user } = await signedIn();
    // The device's clock runs behind: it believes the token is still good.
    const session = await stored(storage);
    await storage.set(JSON.stringify({ ...session, refreshAt: Date.now() + 3600_000 }));
    await untilExpired(session.accessToken);
    const users = await Promise.all(Array.from({ length: 20 }, () => auth.me()));
    expect(users.map((u) => u.email)).toEqual(Array(20).fill(user.email));
    expect(counter.count('refreshToken')).toBe(1);
    // 20 refused, one probe of the refused token, 20 retries.
    expect(counter.count('me')).toBe(41);
  });

  it('a token once accepted (a wrong password was refused) is refreshed when it expires later', async () => {
    const { auth, storage, counter, user } = await signedIn();
    await expect(
      auth.request('mutation { changePassword(currentPassword: "nope", newPassword: "x") }'),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const session = await stored(storage);
    await storage.set(JSON.stringify({ ...session, refreshAt: Date.now() + 3600_000 }));
    await untilExpired(session.accessToken);
    expect((await auth.me()).email).toBe(user.email);
    expect(counter.count('refreshToken')).toBe(1);
  });

  it("apolloLink() signs an app's own Apollo Client requests and refreshes once after expiry", async () => {
    const { auth, storage, counter, user } = await signedIn();
    const apollo = new ApolloClient({
      link: ApolloLink.from([auth.apolloLink(), new HttpLink({ uri: server.url, fetch })]),
      cache: new InMemoryCache(),
      defaultOptions: { query: { fetchPolicy: 'no-cache' } },
    });
    const ME = gql`
      query AppMe {
        me {
          id
          email
        }
      }
    `;
    expect((await apollo.query<{ me: { email: string } }>({ query: ME })).data?.me.email).toBe(
      user.email,
    );
    // Expired, and the client's clock does not know: the link retries after one refresh.
    const session = await stored(storage);
    await storage.set(JSON.stringify({ ...session, refreshAt: Date.now() + 3600_000 }));
    await untilExpired(session.accessToken);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => apollo.query<{ me: { email: string } }>({ query: ME })),
    );
    expect(results.map((r) => r.data?.me.email)).toEqual(Array(5).fill(user.email));
    expect(counter.count('refreshToken')).toBe(1);
  });

  it('apolloLink() does not retry an operation refused for a wrong password', async () => {
    const { auth, counter } = await signedIn();
    const apollo = new ApolloClient({
      link: ApolloLink.from([
        auth.apolloLink(),
        new HttpLink({ uri: server.url, fetch: counter.fetch as typeof fetch }),
      ]),
      cache: new InMemoryCache(),
    });
    const CHANGE = gql`
      mutation AppChange($c: String!, $n: String!) {
        changePassword(currentPassword: $c, newPassword: $n)
      }
    `;
    await expect(
      apollo.mutate({ mutation: CHANGE, variables: { c: 'not my password', n: 'x'.repeat(12) } }),
    ).rejects.toThrow('Current password is incorrect.');
    expect(counter.count('changePassword')).toBe(1);
    expect(counter.count('refreshToken')).toBe(0);
  });

  it('a rate limit is an AuthqlError TOO_MANY_REQUESTS with retryAfter', async () => {
    const auth = createAuthqlClient({ url: server.url });
    const email = uniqueEmail('limited');
    expect(await auth.requestSignInCode(email)).toBe(true);
    expect(await auth.requestSignInCode(email)).toBe(true);
    const limited = await auth.requestSignInCode(email).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(AuthqlError);
    expect(limited).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect((limited as AuthqlError).retryAfter).toBeGreaterThanOrEqual(1);
  });
});
