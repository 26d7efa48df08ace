import { randomUUID } from 'node:crypto';
import { createAuthqlClient, memoryStorage } from '../client/src';
import { TestBrowser } from './helpers/browser';
import { createActiveUser, uniqueEmail } from './helpers/flows';
import { enableTotp } from './helpers/mfa';
import { TestOpenIdProvider } from './helpers/oidc-provider';
import { startTestServer, type TestServer } from './helpers/server';

// @authql/client's social sign-in against a real OpenID provider on loopback: the web flow bound to
// the app with PKCE (a custom-scheme redirect, as a native app), and native ID tokens.
const CLIENT = {
  clientId: 'authql-client-test',
  clientSecret: 'a-client-secret-for-tests-0123456789',
};
const APP_SCHEME = 'com.example.app:/oauth';

let idp: TestOpenIdProvider;
let server: TestServer;
beforeAll(async () => {
  idp = await TestOpenIdProvider.prepare();
  server = await startTestServer(
    { ...idp.serverEnv(CLIENT), OAUTH_PROVIDERS: 'test', OAUTH_REDIRECT_URLS: APP_SCHEME },
    { ownAppUrl: true },
  );
  await idp.startFor(server, CLIENT);
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
});

const client = () => createAuthqlClient({ url: server.url, storage: memoryStorage() });

/** Opens the start URL in a browser that signs in at the provider as `sub`; the code it returns. */
async function codeFrom(startUrl: string, sub: string): Promise<string> {
  idp.nextLogin = sub;
  const res = await new TestBrowser().open(startUrl, [server.origin, idp.issuer]);
  expect(res.left).toBe(true);
  const back = new URL(res.url);
  expect(back.protocol).toBe('com.example.app:');
  return back.searchParams.get('code')!;
}

const idToken = (sub: string, email: string) =>
  idp.mintIdToken({ sub, aud: CLIENT.clientId, email, email_verified: true, jti: randomUUID() });

describe('@authql/client social sign-in', () => {
  it('web flow with PKCE: startUrl, the provider, exchange(code, verifier)', async () => {
    const email = uniqueEmail('social');
    const sub = idp.account(email);
    const auth = client();
    const { verifier, challenge } = await auth.oauth.pkce();
    const code = await codeFrom(
      auth.oauth.startUrl('test', APP_SCHEME, { codeChallenge: challenge, state: 'st' }),
      sub,
    );
    // Without the verifier the code is refused (it is bound to this app).
    const other = client();
    await expect(other.oauth.exchange(code)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    const code2 = await codeFrom(
      auth.oauth.startUrl('test', APP_SCHEME, { codeChallenge: challenge }),
      sub,
    );
    expect(await auth.oauth.exchange(code2, verifier)).toMatchObject({
      status: 'signed-in',
      user: { email },
    });
    expect((await auth.me()).email).toBe(email);
  });

  it('native ID token: signInWithIdToken signs in once per token', async () => {
    const email = uniqueEmail('native');
    const sub = idp.account(email);
    const auth = client();
    const token = await idToken(sub, email);
    expect(await auth.signInWithIdToken('test', token)).toMatchObject({
      status: 'signed-in',
      user: { email },
    });
    expect((await auth.me()).email).toBe(email);
    await expect(client().signInWithIdToken('test', token)).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });

  it('answers mfa-required for an account with TOTP, as signIn does', async () => {
    const user = await createActiveUser(server, uniqueEmail('social-mfa'));
    await enableTotp(server, user.email);
    const sub = idp.account(user.email);
    const result = await client().signInWithIdToken('test', await idToken(sub, user.email));
    expect(result).toMatchObject({
      status: 'mfa-required',
      methods: expect.arrayContaining(['TOTP']),
    });
  });
});
