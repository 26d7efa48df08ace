import {
  AuthqlError,
  createAuthqlClient,
  memoryStorage,
  type AuthqlUser,
  type TokenStorage,
} from '../client/src';
import { MeDocument } from '../client/src/generated/graphql';
import { Session } from '../src/sessions/session.entity';
import { countingFetch } from './helpers/client';
import {
  ACTIVATE,
  createActiveUser,
  PASSWORD,
  SIGN_OUT_EVERYWHERE,
  signIn,
  uniqueEmail,
} from './helpers/flows';
import { linkToken } from './helpers/inbox';
import {
  awayFromStepEdge,
  COMPLETE,
  enableTotp,
  mailCode,
  passwordTicket,
  totpCode,
} from './helpers/mfa';
import { startTestServer, type TestServer } from './helpers/server';
import { staleTokens } from './helpers/stale';

// @authql/client against the real server in Node: every sign-in method Node can drive, the session
// it keeps, the errors it throws.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function client(storage: TokenStorage = memoryStorage()) {
  const counter = countingFetch();
  const changes: Array<AuthqlUser | null> = [];
  const auth = createAuthqlClient({ url: server.url, storage, fetch: counter.fetch });
  auth.onChange((user) => changes.push(user));
  return { auth, storage, counter, changes };
}

const stored = async (storage: TokenStorage) => {
  const text = await storage.get();
  return text
    ? (JSON.parse(text) as { accessToken: string; refreshToken: string; refreshAt: number })
    : null;
};

async function signedIn() {
  const user = await createActiveUser(server, uniqueEmail('client'));
  const c = client();
  const result = await c.auth.signIn({ email: user.email, password: PASSWORD });
  expect(result).toMatchObject({ status: 'signed-in', user: { email: user.email } });
  return { ...c, user };
}

describe('@authql/client in Node', () => {
  it('signs up, activates from the mail, signs in, reports the user, signs out', async () => {
    const email = uniqueEmail('client-signup');
    const { auth, storage, changes } = client();
    expect(await auth.signUp({ email, password: PASSWORD })).toBe(true);
    const token = linkToken(await server.inbox.waitFor(email), '/activate');
    expect((await server.gql(ACTIVATE, { token })).errors).toBeUndefined();

    const result = await auth.signIn({ email, password: PASSWORD });
    expect(result).toMatchObject({
      status: 'signed-in',
      user: { email, isActive: true, role: 'USER' },
    });
    expect(changes).toEqual([expect.objectContaining({ email })]);
    expect(await auth.me()).toMatchObject({ email, mfaEnabled: false });
    // Any operation, typed by the generated document or as text.
    expect((await auth.request(MeDocument)).me.email).toBe(email);
    expect(await auth.request<{ me: { email: string } }>('{ me { email } }')).toEqual({
      me: { email },
    });
    const token1 = await auth.accessToken();
    expect(token1).toEqual((await stored(storage))!.accessToken);

    const { refreshToken } = (await stored(storage))!;
    await auth.signOut();
    expect(changes).toEqual([expect.objectContaining({ email }), null]);
    expect(await storage.get()).toBeNull();
    expect(await auth.accessToken()).toBeNull();
    // Ended on the server too, not only forgotten here.
    const refreshed = await server.gql(
      'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
      { t: refreshToken },
    );
    expect(refreshed.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    await expect(auth.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('answers mfa-required with the ticket and methods, and completeSignIn finishes it', async () => {
    const user = await createActiveUser(server, uniqueEmail('client-mfa'));
    const { secret } = await enableTotp(server, user.email);
    await awayFromStepEdge();
    const { auth, changes } = client();
    const result = await auth.signIn({ email: user.email, password: PASSWORD });
    if (result.status !== 'mfa-required')
      throw new Error(`expected mfa-required, got ${result.status}`);
    expect(result.methods).toEqual(expect.arrayContaining(['TOTP', 'RECOVERY_CODE']));
    expect(changes).toEqual([]);
    expect(await auth.accessToken()).toBeNull();

    const wrong = await auth.completeSignIn(result.ticket, '000000').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthqlError);
    expect((wrong as AuthqlError).code).toBe('UNAUTHENTICATED');

    const signedInUser = await auth.completeSignIn(result.ticket, totpCode(secret));
    expect(signedInUser).toMatchObject({ email: user.email, mfaEnabled: true });
    expect(changes).toEqual([expect.objectContaining({ email: user.email })]);
    expect((await auth.me()).email).toBe(user.email);
  });

  it('signs in with a mailed code', async () => {
    const user = await createActiveUser(server, uniqueEmail('client-code'));
    const { auth } = client();
    const before = server.inbox.for(user.email).length;
    expect(await auth.requestSignInCode(user.email)).toBe(true);
    const code = mailCode(await server.inbox.waitFor(user.email, before + 1));
    expect(await auth.signInWithCode(user.email, code)).toMatchObject({
      status: 'signed-in',
      user: { email: user.email },
    });
    expect((await auth.me()).email).toBe(user.email);
    // Spent: the same code again is refused with the server's code.
    await expect(auth.signInWithCode(user.email, code)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('refreshes once for 20 concurrent requests refused with UNAUTHENTICATED', async () => {
    const { auth, storage, counter, user } = await signedIn();
    // The local clock trusts the token, the server does not (skew, a rotated key): it says so.
    const session = (await stored(storage))!;
    await storage.set(JSON.stringify({ ...session, accessToken: 'x.y.z' }));
    const users = await Promise.all(Array.from({ length: 20 }, () => auth.me()));
    expect(users.map((u) => u.email)).toEqual(Array(20).fill(user.email));
    expect(counter.count('refreshToken')).toBe(1);
    expect((await stored(storage))!.refreshToken).not.toBe(session.refreshToken);
  });

  it('refreshes once for 20 concurrent requests whose token is due', async () => {
    const { auth, storage, counter, user } = await signedIn();
    const session = (await stored(storage))!;
    await storage.set(JSON.stringify({ ...session, refreshAt: 0 }));
    const users = await Promise.all(Array.from({ length: 20 }, () => auth.me()));
    expect(users.map((u) => u.email)).toEqual(Array(20).fill(user.email));
    expect(counter.count('refreshToken')).toBe(1);
    expect(counter.count('me')).toBe(20);
  });

  it('a revoked session clears the storage and reports null once', async () => {
    const { auth, storage, counter, changes, user } = await signedIn();
    const other = await signIn(server, user.email);
    expect(
      (await server.gql(SIGN_OUT_EVERYWHERE, {}, { token: other.accessToken })).errors,
    ).toBeUndefined();

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => auth.me()));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(counter.count('refreshToken')).toBe(1);
    expect(await storage.get()).toBeNull();
    expect(changes).toEqual([expect.objectContaining({ email: user.email }), null]);
    await expect(auth.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(changes).toHaveLength(2);
  });

  it('a reused refresh token (another copy refreshed long ago) ends the session once', async () => {
    const { auth, storage, changes, user } = await signedIn();
    const stale = (await stored(storage))!;
    // Another holder spent this refresh token, beyond the reuse grace: the server revokes the session.
    await storage.set(JSON.stringify({ ...stale, refreshAt: 0 }));
    await auth.me();
    await server.app.orm.em
      .fork()
      .nativeUpdate(Session, { user: user.id }, { rotatedAt: new Date(Date.now() - 3600_000) });
    await storage.set(JSON.stringify({ ...stale, refreshAt: 0 }));
    await expect(auth.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await storage.get()).toBeNull();
    expect(changes.filter((c) => c === null)).toHaveLength(1);
  });

  it('throws AuthqlError with the server codes, and NETWORK_ERROR when nothing answers', async () => {
    const { auth } = client();
    const weak = await auth
      .signUp({ email: uniqueEmail(), password: 'short' })
      .catch((e: unknown) => e);
    expect(weak).toBeInstanceOf(AuthqlError);
    expect(weak).toMatchObject({ code: 'BAD_USER_INPUT' });

    const user = await createActiveUser(server, uniqueEmail('client-wrong'));
    await expect(
      auth.signIn({ email: user.email, password: 'wrong password!' }),
    ).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Invalid email or password.',
    });
    await expect(auth.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(auth.oauth.exchange('not-a-code')).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });

    const offline = createAuthqlClient({ url: 'http://127.0.0.1:9/graphql' });
    const down = await offline
      .signIn({ email: user.email, password: PASSWORD })
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(AuthqlError);
    expect(down).toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('builds the social sign-in start URL on the server origin', async () => {
    const { auth } = client();
    const { verifier, challenge } = await auth.oauth.pkce();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const url = new URL(
      auth.oauth.startUrl('google', 'https://app.example.com/done', {
        state: 's1',
        codeChallenge: challenge,
      }),
    );
    expect(url.origin + url.pathname).toBe(`${server.origin}/oauth/google/start`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      redirect_to: 'https://app.example.com/done',
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
  });

  it('a wrong password in an operation is not mistaken for an expired token', async () => {
    const { auth, counter } = await signedIn();
    const changed = auth.request(
      'mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
      { c: 'not my password', n: 'another correct horse battery' },
    );
    await expect(changed).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // Sent once, no refresh spent, still signed in.
    expect(counter.count('changePassword')).toBe(1);
    expect(counter.count('refreshToken')).toBe(0);
    expect(await auth.accessToken()).not.toBeNull();
  });

  it('reauthenticate turns a stale sign-in fresh for the same session (and asks for TOTP when on)', async () => {
    const user = await createActiveUser(server, uniqueEmail('client-reauth'));
    const stale = await staleTokens(server, await signIn(server, user.email), 20 * 60);
    const storage = memoryStorage(
      JSON.stringify({ v: 1, ...stale, refreshAt: Date.now() + 600_000 }),
    );
    const { auth, counter } = client(storage);
    const START = 'mutation { startTotpEnrollment { secret } }';
    await expect(auth.request(START)).rejects.toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    await expect(auth.reauthenticate({ password: 'not my password' })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(await auth.accessToken()).toBe(stale.accessToken); // still signed in, nothing spent
    expect(await auth.reauthenticate({ password: PASSWORD })).toMatchObject({
      status: 'signed-in',
      user: { email: user.email },
    });
    const fresh = (await stored(storage))!;
    expect(fresh.accessToken).not.toBe(stale.accessToken);
    expect(sidOf(fresh.accessToken)).toBe(sidOf(stale.accessToken));
    await expect(auth.request(START)).resolves.toMatchObject({
      startTotpEnrollment: { secret: expect.any(String) },
    });
    expect(counter.count('refreshToken')).toBe(0);

    // With TOTP on: a ticket first, then completeSignIn renews the same session.
    const { secret } = await enableTotp(server, user.email);
    await awayFromStepEdge();
    const again = await staleTokens(server, await signIn2fa(user.email, secret), 20 * 60);
    const second = client(
      memoryStorage(JSON.stringify({ v: 1, ...again, refreshAt: Date.now() + 600_000 })),
    );
    const asked = await second.auth.reauthenticate({ password: PASSWORD });
    expect(asked).toMatchObject({
      status: 'mfa-required',
      methods: expect.arrayContaining(['TOTP']),
    });
    if (asked.status !== 'mfa-required') throw new Error('unreachable');
    await second.auth.completeSignIn(asked.ticket, totpCode(secret, 1)); // a later step than the sign-in's
    expect(sidOf((await second.auth.accessToken())!)).toBe(sidOf(again.accessToken));
    await expect(second.auth.request(START)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

const sidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

/** Tokens of a TOTP account's sign-in (password, then the code). */
async function signIn2fa(email: string, secret: string) {
  const mfaTicket = await passwordTicket(server, email, PASSWORD);
  const done = await server.gql(COMPLETE, { mfaTicket, code: totpCode(secret) });
  expect(done.errors).toBeUndefined();
  return done.data!.completeSignIn;
}
