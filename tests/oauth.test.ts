import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import jwt from 'jsonwebtoken';
import { HousekeepingLease } from '../src/housekeeping/housekeeping-lease.entity';
import { LinkedAccount } from '../src/oauth/linked-account.entity';
import { OAuthState, OAuthStateKind } from '../src/oauth/oauth-state.entity';
import { OneTimeToken } from '../src/tokens/one-time-token.entity';
import { Role } from '../src/users/role';
import { User } from '../src/users/user.entity';
import { sha256 } from '../src/tokens/random';
import { TestBrowser } from './helpers/browser';
import {
  ACTIVATE,
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REQUEST_RESET,
  RESET_PASSWORD,
  SIGN_IN,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { linkToken } from './helpers/inbox';
import { COMPLETE, enableTotp, totpCode } from './helpers/mfa';
import { captureLog } from './helpers/log';
import { TestOpenIdProvider } from './helpers/oidc-provider';
import { startTestServer, type TestServer } from './helpers/server';

// Social sign-in against a real OpenID provider (oidc-provider) on loopback: the web redirect chain
// over HTTP, native ID tokens minted with the provider's own key, and the linking rules.
const CLIENT_ID = 'authql-test-client';
const CLIENT_SECRET = 'a-client-secret-for-tests-only-0123456789';
const CLIENT = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const IOS_AUDIENCE = 'com.example.ios';
const APP_RETURN = 'https://app.test/oauth-done';
const APP_SCHEME = 'com.example.app:/oauth';

const EXCHANGE = `mutation ($code: String!) {
  exchangeOAuthCode(code: $code) { accessToken refreshToken expiresIn user { id email isActive } }
}`;
const ID_TOKEN = `mutation ($provider: String!, $idToken: String!, $nonce: String) {
  signInWithIdToken(provider: $provider, idToken: $idToken, nonce: $nonce) {
    accessToken refreshToken user { id email isActive }
  }
}`;
const LINKED = `{ linkedAccounts { provider email createdAt } }`;
const START_LINK = `mutation ($provider: String!) { startOAuthLink(provider: $provider) }`;
const FINISH_LINK = `mutation ($code: String!) { finishOAuthLink(code: $code) { provider email createdAt } }`;
const UNLINK = `mutation ($provider: String!) { unlinkAccount(provider: $provider) }`;

let idp: TestOpenIdProvider;
let server: TestServer;
const log = captureLog('debug');
/** Every code, ID token and URL the tests handled: none may reach a log line. */
const secrets: string[] = [CLIENT_SECRET];

beforeAll(async () => {
  idp = await TestOpenIdProvider.prepare();
  server = await startTestServer(
    {
      ...idp.serverEnv(CLIENT),
      OAUTH_PROVIDERS: 'test,down',
      // Nothing listens there: discovery fails.
      OAUTH_DOWN_ISSUER: 'http://127.0.0.1:1',
      OAUTH_DOWN_CLIENT_ID: 'unused',
      OAUTH_TEST_AUDIENCES: IOS_AUDIENCE,
      OAUTH_REDIRECT_URLS: `${APP_RETURN},${APP_SCHEME}`,
    },
    { ownAppUrl: true, logger: log.logger },
  );
  await idp.startFor(server, CLIENT);
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
});

const providerAccount = (email: string | undefined, emailVerified = true) =>
  idp.account(email, emailVerified);

/** The web flow in a fresh browser: start → provider (signs in as `login`) → callback → the app URL. */
async function webFlow(
  login: string | null,
  redirectTo = APP_RETURN,
  browser = new TestBrowser(),
  appState?: string,
  codeChallenge?: string,
) {
  idp.nextLogin = login;
  const state = appState ? `&state=${encodeURIComponent(appState)}` : '';
  const challenge = codeChallenge ? `&code_challenge=${codeChallenge}` : '';
  const res = await browser.open(
    `${server.origin}/oauth/test/start?redirect_to=${encodeURIComponent(redirectTo)}${state}${challenge}`,
    [server.origin, idp.issuer],
  );
  expect(res.left).toBe(true);
  const back = new URL(res.url);
  if (back.searchParams.get('code')) secrets.push(back.searchParams.get('code')!);
  secrets.push(...browser.cookieValues);
  for (const url of browser.visited) {
    for (const name of ['state', 'code', 'nonce', 'code_challenge']) {
      const value = new URL(url).searchParams.get(name);
      if (value) secrets.push(value);
    }
  }
  return back;
}

/** startOAuthLink for the viewer of `token`: the URL it returned. */
async function startLink(token: string): Promise<URL> {
  const res = await server.gql(START_LINK, { provider: 'test' }, { token });
  expect(res.errors).toBeUndefined();
  return new URL(res.data!.startOAuthLink as string);
}

/** Opens a link URL in a fresh browser that signs in at the provider as `login`; the app URL. */
async function linkFlow(url: URL, login: string, browser = new TestBrowser()): Promise<URL> {
  idp.nextLogin = login;
  const res = await browser.open(url.href, [server.origin, idp.issuer]);
  expect(res.left).toBe(true);
  const back = new URL(res.url);
  secrets.push(url.searchParams.get('link')!, ...browser.cookieValues);
  if (back.searchParams.get('link_code')) secrets.push(back.searchParams.get('link_code')!);
  return back;
}

/**
 * An account made from an address the provider did not verify, as sign-ins made them before such a
 * sign-in was refused (EMAIL_NOT_VERIFIED): no proof of the address, no password, an unverified link.
 */
async function legacyClaimedAccount(email: string, claimantSub: string): Promise<void> {
  const em = server.app.orm.em.fork();
  const user = em.create(User, { email, passwordHash: null, isActive: true, emailProof: null });
  em.create(LinkedAccount, {
    user,
    provider: 'test',
    subject: claimantSub,
    email,
    emailVerified: false,
  });
  await em.flush();
}

async function exchange(code: string) {
  return server.gql(EXCHANGE, { code });
}

async function nativeToken(sub: string, extra: Record<string, unknown> = {}) {
  const account = idp.accounts.get(sub)!;
  const token = await idp.mintIdToken({
    sub,
    aud: CLIENT_ID,
    email: account.email,
    email_verified: account.emailVerified,
    // Each a token of its own: one accepted is refused if sent again (single use).
    jti: randomUUID(),
    ...extra,
  });
  secrets.push(token, token.split('.')[2]!);
  return token;
}

const amrOf = (accessToken: string) => (jwt.decode(accessToken) as { amr: string[] }).amr;

describe('social sign-in', () => {
  it('lists the configured providers', async () => {
    const res = await server.gql(`{ oauthProviders }`);
    expect(res.data).toEqual({ oauthProviders: ['test', 'down'] });
  });

  it('web flow: a new account from a verified email, via a one-time code that works once', async () => {
    const email = uniqueEmail('web');
    const sub = providerAccount(email);
    const back = await webFlow(sub);
    expect(back.origin + back.pathname).toBe(APP_RETURN);
    const code = back.searchParams.get('code')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const first = await exchange(code);
    expect(first.errors).toBeUndefined();
    const tokens = first.data!.exchangeOAuthCode;
    expect(tokens.user).toMatchObject({ email, isActive: true });
    expect(amrOf(tokens.accessToken)).toEqual(['fed']);
    const me = await server.gql(ME, {}, { token: tokens.accessToken });
    expect(me.data!.me.email).toBe(email);
    const linked = await server.gql(LINKED, {}, { token: tokens.accessToken });
    expect(linked.data!.linkedAccounts).toEqual([
      { provider: 'test', email, createdAt: expect.any(String) },
    ]);

    // Code reuse: the second exchange of the same code is refused.
    expect(codeOf(await exchange(code))).toBe('INVALID_TOKEN');
    expect(codeOf(await exchange('not-a-code'))).toBe('INVALID_TOKEN');

    // Signing in again with the same identity reaches the same account.
    const again = await exchange((await webFlow(sub)).searchParams.get('code')!);
    expect(again.data!.exchangeOAuthCode.user.id).toBe(tokens.user.id);
  });

  it('keeps only the hash of a one-time code, and refuses it after 60 s', async () => {
    const sub = providerAccount(uniqueEmail('expiry'));
    const code = (await webFlow(sub)).searchParams.get('code')!;
    const em = server.app.orm.em.fork();
    expect(await em.findOne(OAuthState, { id: code })).toBeNull();
    const row = await em.findOneOrFail(OAuthState, { id: sha256(code) });
    const lifetime = row.expiresAt.getTime() - row.createdAt.getTime();
    expect(lifetime).toBe(60_000);
    // Sixty seconds later, as far as the row knows.
    await em.nativeUpdate(OAuthState, { id: row.id }, { expiresAt: new Date(Date.now() - 1) });
    expect(codeOf(await exchange(code))).toBe('TOKEN_EXPIRED');
    expect(codeOf(await exchange(code))).toBe('INVALID_TOKEN');

    // A code nobody exchanged is deleted by housekeeping once expired.
    const unused = (await webFlow(sub)).searchParams.get('code')!;
    await em.nativeUpdate(
      OAuthState,
      { id: sha256(unused) },
      { expiresAt: new Date(Date.now() - 1) },
    );
    // The app's own housekeeping timer may take the lease between our reset and our run: then that run
    // deletes the row, so retry (bounded) until the row is gone.
    const left = () => em.fork().count(OAuthState, { id: sha256(unused) });
    for (let attempt = 0; attempt < 50 && (await left()) > 0; attempt++) {
      await em.nativeUpdate(HousekeepingLease, {}, { nextRunAt: new Date(0) });
      const deleted = await server.app.services.housekeeping.runIfDue();
      if (deleted) expect(deleted['oauth-states']).toBeGreaterThanOrEqual(1);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await left()).toBe(0);
  });

  it('returns to a custom-scheme app URL from the allow-list, echoing the app state', async () => {
    const appState = 'app state/with+symbols&=';
    // A native app binds the code to itself (RFC 8252): another app claiming the scheme cannot spend it.
    const verifier = randomBytes(32).toString('base64url');
    const back = await webFlow(
      providerAccount(uniqueEmail('scheme')),
      APP_SCHEME,
      undefined,
      appState,
      createHash('sha256').update(verifier).digest('base64url'),
    );
    expect(back.protocol).toBe('com.example.app:');
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe(appState);
    const exchanged = await server.gql(
      `mutation ($code: String!, $codeVerifier: String) {
        exchangeOAuthCode(code: $code, codeVerifier: $codeVerifier) { user { email } }
      }`,
      { code: back.searchParams.get('code'), codeVerifier: verifier },
    );
    expect(exchanged.errors).toBeUndefined();
    secrets.push(verifier);
    const declined = await webFlow(null, APP_RETURN, undefined, 'app-2');
    expect([declined.searchParams.get('error'), declined.searchParams.get('state')]).toEqual([
      'ACCESS_DENIED',
      'app-2',
    ]);
  });

  it('refuses a redirect_to outside the allow-list, without redirecting anywhere', async () => {
    for (const target of [
      'https://evil.test/oauth-done',
      `${APP_RETURN}/../../evil`,
      `${APP_RETURN}?next=https://evil.test`,
      `${APP_RETURN}.evil.test`,
      'HTTPS://APP.TEST/oauth-done',
      '//evil.test',
      'javascript:alert(1)',
    ]) {
      const res = await fetch(
        `${server.origin}/oauth/test/start?redirect_to=${encodeURIComponent(target)}`,
        { redirect: 'manual' },
      );
      expect([target, res.status, res.headers.get('location')]).toEqual([target, 400, null]);
      expect(await res.text()).not.toMatch(/at \w+ \(|Error/);
    }
    const missing = await fetch(`${server.origin}/oauth/test/start`, { redirect: 'manual' });
    expect(missing.status).toBe(400);
    const unknown = await fetch(
      `${server.origin}/oauth/nope/start?redirect_to=${encodeURIComponent(APP_RETURN)}`,
      { redirect: 'manual' },
    );
    expect(unknown.status).toBe(404);
  });

  it('sends an unreachable provider back as ?error=, and masks it in GraphQL', async () => {
    const res = await new TestBrowser().open(
      `${server.origin}/oauth/down/start?redirect_to=${encodeURIComponent(APP_RETURN)}`,
      [server.origin],
    );
    expect(res.url).toBe(`${APP_RETURN}?error=INTERNAL_SERVER_ERROR`);
    const native = await server.gql(ID_TOKEN, { provider: 'down', idToken: 'a.b.c' });
    expect(codeOf(native)).toBe('INTERNAL_SERVER_ERROR');
    expect(native.errors![0]!.message).toBe('Internal server error.');
  });

  it('sends provider refusals and a callback from another browser back as ?error=', async () => {
    const declined = await webFlow(null);
    expect(declined.origin + declined.pathname).toBe(APP_RETURN);
    expect(declined.searchParams.get('error')).toBe('ACCESS_DENIED');
    expect(declined.searchParams.get('code')).toBeNull();

    // The callback URL (code + state) replayed in a browser that did not start the flow.
    const sub = providerAccount(uniqueEmail('csrf'));
    idp.nextLogin = sub;
    const victim = new TestBrowser();
    const attacker = new TestBrowser();
    const start = await attacker.open(
      `${server.origin}/oauth/test/start?redirect_to=${encodeURIComponent(APP_RETURN)}`,
      [idp.issuer],
    );
    // Stopped where the provider sends the browser back to authql's callback.
    expect(start.url).toContain(`${server.origin}/oauth/test/callback?`);
    const replayed = await victim.open(start.url, [server.origin]);
    const back = new URL(replayed.url);
    expect(back.searchParams.get('error')).toBe('INVALID_TOKEN');
    expect(back.searchParams.get('code')).toBeNull();
    // The state was spent by that attempt: the real browser cannot use it afterwards either.
    const late = await attacker.open(start.url, [server.origin]);
    expect(late.status).toBe(400);
  });

  it('native: verifies signature, iss, aud, exp and nonce (raw or SHA-256)', async () => {
    const email = uniqueEmail('native');
    const sub = providerAccount(email);
    const nonce = 'raw-nonce-0123456789';
    const hashed = (await import('node:crypto')).createHash('sha256').update(nonce).digest('hex');

    const raw = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub, { nonce }),
      nonce,
    });
    expect(raw.errors).toBeUndefined();
    expect(raw.data!.signInWithIdToken.user).toMatchObject({ email, isActive: true });
    expect(amrOf(raw.data!.signInWithIdToken.accessToken)).toEqual(['fed']);

    const apple = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub, { nonce: hashed, aud: IOS_AUDIENCE }),
      nonce,
    });
    expect(apple.errors).toBeUndefined();
    expect(apple.data!.signInWithIdToken.user.id).toBe(raw.data!.signInWithIdToken.user.id);

    const { privateKey: foreignKey } = await generateKeyPair('RS256');
    const cases: Array<[string, Promise<string>, string | null, string]> = [
      ['wrong aud', nativeToken(sub, { aud: 'someone-else' }), null, 'INVALID_TOKEN'],
      [
        'expired',
        idp.mintIdToken({ sub, aud: CLIENT_ID, email }, { iatOffsetSec: -3600, expiresInSec: 60 }),
        null,
        'TOKEN_EXPIRED',
      ],
      ['wrong nonce', nativeToken(sub, { nonce }), 'another-nonce', 'INVALID_TOKEN'],
      ['nonce missing from the request', nativeToken(sub, { nonce }), null, 'INVALID_TOKEN'],
      ['nonce missing from the token', nativeToken(sub), nonce, 'INVALID_TOKEN'],
      [
        'foreign key under the provider kid',
        idp.mintIdToken({ sub, aud: CLIENT_ID, email }, { key: foreignKey }),
        null,
        'INVALID_TOKEN',
      ],
      [
        'foreign key under its own kid',
        idp.mintIdToken({ sub, aud: CLIENT_ID, email }, { key: foreignKey, kid: 'other' }),
        null,
        'INVALID_TOKEN',
      ],
      ['not a JWT', Promise.resolve('abc.def.ghi'), null, 'INVALID_TOKEN'],
    ];
    for (const [label, token, givenNonce, expected] of cases) {
      const res = await server.gql(ID_TOKEN, {
        provider: 'test',
        idToken: await token,
        nonce: givenNonce,
      });
      expect([label, codeOf(res), res.data?.signInWithIdToken ?? null]).toEqual([
        label,
        expected,
        null,
      ]);
    }
    expect(
      codeOf(await server.gql(ID_TOKEN, { provider: 'nope', idToken: await nativeToken(sub) })),
    ).toBe('BAD_USER_INPUT');
  });

  it('a verified email joins the active account with that address; the password keeps working', async () => {
    const user = await createActiveUser(server, uniqueEmail('join'));
    const sub = providerAccount(user.email);
    const res = await server.gql(ID_TOKEN, { provider: 'test', idToken: await nativeToken(sub) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.signInWithIdToken.user.id).toBe(user.id);
    const viaWeb = await exchange((await webFlow(sub)).searchParams.get('code')!);
    expect(viaWeb.data!.exchangeOAuthCode.user.id).toBe(user.id);
    const tokens = await signIn(server, user.email);
    expect(tokens.user.id).toBe(user.id);
    const linked = await server.gql(LINKED, {}, { token: tokens.accessToken });
    expect(linked.data!.linkedAccounts).toHaveLength(1);
  });

  it('pre-account-takeover: a verified sign-in discards the passwords of a never-activated account', async () => {
    const email = uniqueEmail('victim');
    // Someone who does not own the address signs up with it first and keeps the link for later.
    const attackerLink = await signUpAndGetActivationToken(
      server,
      email,
      'attacker chose this one',
    );
    const sub = providerAccount(email);
    const back = await webFlow(sub);
    const owner = await exchange(back.searchParams.get('code')!);
    expect(owner.errors).toBeUndefined();
    expect(owner.data!.exchangeOAuthCode.user).toMatchObject({ email, isActive: true });

    const withAttackerPassword = await server.gql(SIGN_IN, {
      email,
      password: 'attacker chose this one',
    });
    expect(codeOf(withAttackerPassword)).toBe('UNAUTHENTICATED');
    expect(withAttackerPassword.errors![0]!.message).toBe('Invalid email or password.');
    expect(codeOf(await server.gql(ACTIVATE, { token: attackerLink }))).toBe('INVALID_TOKEN');
    const kept = await server.app.orm.em
      .fork()
      .find(
        OneTimeToken,
        { user: owner.data!.exchangeOAuthCode.user.id },
        { populate: ['passwordHash'] },
      );
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.map((t) => t.passwordHash)).toEqual(kept.map(() => null));
    expect(codeOf(await server.gql(SIGN_IN, { email, password: 'attacker chose this one' }))).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('an unverified email neither joins an existing account nor makes one', async () => {
    const user = await createActiveUser(server, uniqueEmail('unverified'));
    const sub = providerAccount(user.email, false);
    const native = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub),
    });
    expect(codeOf(native)).toBe('EMAIL_NOT_VERIFIED');
    const web = await webFlow(sub);
    expect(web.searchParams.get('error')).toBe('EMAIL_NOT_VERIFIED');
    expect(web.searchParams.get('code')).toBeNull();
    const tokens = await signIn(server, user.email);
    expect((await server.gql(LINKED, {}, { token: tokens.accessToken })).data).toEqual({
      linkedAccounts: [],
    });

    // With no account at that address, none is made either: sign up by email, then link the provider.
    const fresh = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(providerAccount(uniqueEmail('unverified-new'), false)),
    });
    expect(codeOf(fresh)).toBe('EMAIL_NOT_VERIFIED');
  });

  it('a reset by the mailbox owner removes a link that only claimed the address (unverified)', async () => {
    const email = uniqueEmail('unverified-claim');
    const claimant = providerAccount(email, false);
    await legacyClaimedAccount(email, claimant);
    const made = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(claimant),
    });
    expect(made.errors).toBeUndefined();

    const before = server.inbox.for(email).length;
    await server.gql(REQUEST_RESET, { email });
    const mail = await server.inbox.waitFor(email, before + 1);
    const reset = await server.gql(RESET_PASSWORD, {
      token: linkToken(mail, '/reset-password'),
      newPassword: PASSWORD,
    });
    expect(reset.errors).toBeUndefined();

    // The claimant's provider identity no longer opens the owner's account.
    const again = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(claimant),
    });
    expect(codeOf(again)).toBe('EMAIL_NOT_VERIFIED');
    const owner = await signIn(server, email);
    expect((await server.gql(LINKED, {}, { token: owner.accessToken })).data).toEqual({
      linkedAccounts: [],
    });
  });

  it('a verified join removes a link that only claimed the address; a changed claim does not escape a reset', async () => {
    // (a) The claimant made the account from an unverified address (before EMAIL_NOT_VERIFIED); the
    // owner then signs in verified.
    const email = uniqueEmail('claim-join');
    const claimant = providerAccount(email, false);
    await legacyClaimedAccount(email, claimant);
    const made = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(claimant),
    });
    expect(made.errors).toBeUndefined();
    const owner = providerAccount(email, true);
    const joined = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(owner),
    });
    expect(joined.errors).toBeUndefined();
    const again = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(claimant),
    });
    expect(codeOf(again)).toBe('EMAIL_NOT_VERIFIED');

    // (b) The claimant changes the address it claims after making the account; the owner's reset still
    // removes the link, so the claimant's identity no longer opens the owner's account.
    const email2 = uniqueEmail('claim-moved');
    const mover = providerAccount(email2, false);
    await legacyClaimedAccount(email2, mover);
    const account = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(mover),
    });
    const accountId = account.data!.signInWithIdToken.user.id as string;
    idp.accounts.set(mover, { email: uniqueEmail('claim-elsewhere'), emailVerified: false });
    expect(
      (await server.gql(ID_TOKEN, { provider: 'test', idToken: await nativeToken(mover) })).errors,
    ).toBeUndefined();
    const before = server.inbox.for(email2).length;
    await server.gql(REQUEST_RESET, { email: email2 });
    const mail = await server.inbox.waitFor(email2, before + 1);
    const reset = await server.gql(RESET_PASSWORD, {
      token: linkToken(mail, '/reset-password'),
      newPassword: PASSWORD,
    });
    expect(reset.errors).toBeUndefined();
    const after = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(mover),
    });
    expect(after.data?.signInWithIdToken?.user.id).not.toBe(accountId);
  });

  it('unlink is refused while it is the only way in, and allowed once a password is set', async () => {
    const email = uniqueEmail('unlink');
    const sub = providerAccount(email);
    const res = await server.gql(ID_TOKEN, { provider: 'test', idToken: await nativeToken(sub) });
    const token = res.data!.signInWithIdToken.accessToken as string;
    // No password yet: password sign-in fails exactly like a wrong password.
    const noPassword = await server.gql(SIGN_IN, { email, password: PASSWORD });
    expect(codeOf(noPassword)).toBe('UNAUTHENTICATED');
    expect(noPassword.errors![0]!.message).toBe('Invalid email or password.');

    expect(codeOf(await server.gql(UNLINK, { provider: 'test' }, { token }))).toBe('FORBIDDEN');
    expect((await server.gql(LINKED, {}, { token })).data!.linkedAccounts).toHaveLength(1);

    const before = server.inbox.for(email).length;
    await server.gql(REQUEST_RESET, { email });
    const mail = await server.inbox.waitFor(email, before + 1);
    const reset = await server.gql(RESET_PASSWORD, {
      token: linkToken(mail, '/reset-password'),
      newPassword: PASSWORD,
    });
    expect(reset.errors).toBeUndefined();
    const withPassword = await signIn(server, email);
    const unlinked = await server.gql(
      UNLINK,
      { provider: 'test' },
      { token: withPassword.accessToken },
    );
    expect(unlinked.data).toEqual({ unlinkAccount: true });
    const events = await server.gql(
      `{ securityEvents { type } }`,
      {},
      { token: withPassword.accessToken },
    );
    expect(events.data!.securityEvents[0]).toEqual({ type: 'account_unlinked' });
    expect(
      (await server.gql(LINKED, {}, { token: withPassword.accessToken })).data!.linkedAccounts,
    ).toEqual([]);
    expect(
      codeOf(await server.gql(UNLINK, { provider: 'test' }, { token: withPassword.accessToken })),
    ).toBe('BAD_USER_INPUT');
  });

  it('link forgery: a link URL opened by someone else links nothing, to anyone', async () => {
    // The attacker asks for a link URL and sends it; the victim opens it and signs in at the provider.
    const attacker = await createActiveUser(server, uniqueEmail('link-attacker'));
    const attackerToken = (await signIn(server, attacker.email)).accessToken;
    const victim = await createActiveUser(server, uniqueEmail('link-victim'));
    const victimToken = (await signIn(server, victim.email)).accessToken;
    const victimSub = providerAccount(victim.email);
    const url = await startLink(attackerToken);

    const back = await linkFlow(url, victimSub);
    expect(back.origin + back.pathname).toBe(APP_RETURN);
    expect([back.searchParams.get('linked'), back.searchParams.get('code')]).toEqual([null, null]);
    const linkCode = back.searchParams.get('link_code')!;
    expect(linkCode).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const nothing = { linkedAccounts: [] };
    expect((await server.gql(LINKED, {}, { token: attackerToken })).data).toEqual(nothing);

    // The victim's app, on that return URL, finishes with the victim's own token: refused, and spent.
    const asVictim = await server.gql(FINISH_LINK, { code: linkCode }, { token: victimToken });
    expect(codeOf(asVictim)).toBe('INVALID_TOKEN');
    // The attacker holds no code; a made-up one, or the real one after it, is refused.
    for (const code of ['', 'x'.repeat(43), linkCode])
      expect(codeOf(await server.gql(FINISH_LINK, { code }, { token: attackerToken }))).toBe(
        'INVALID_TOKEN',
      );
    expect((await server.gql(LINKED, {}, { token: attackerToken })).data).toEqual(nothing);
    expect((await server.gql(LINKED, {}, { token: victimToken })).data).toEqual(nothing);

    // The victim's next "Sign in with the provider" lands in the victim's own account.
    const signedIn = await exchange((await webFlow(victimSub)).searchParams.get('code')!);
    expect(signedIn.data!.exchangeOAuthCode.user.id).toBe(victim.id);
  });

  it('startOAuthLink → link_code → finishOAuthLink links the viewer, once', async () => {
    const user = await createActiveUser(server, uniqueEmail('linker'));
    const token = (await signIn(server, user.email)).accessToken;
    // A provider account with another address: only the explicit link can join it to this user.
    const otherAddress = uniqueEmail('other-address');
    const sub = providerAccount(otherAddress);
    const url = await startLink(token);
    expect(url.origin + url.pathname).toBe(`${server.origin}/oauth/test/start`);
    url.searchParams.set('redirect_to', APP_SCHEME);
    url.searchParams.set('state', 'app-link-1');

    const back = await linkFlow(url, sub);
    expect(back.protocol).toBe('com.example.app:');
    expect(back.searchParams.get('state')).toBe('app-link-1');
    const res = await server.gql(
      FINISH_LINK,
      { code: back.searchParams.get('link_code') },
      { token },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.finishOAuthLink).toEqual([
      { provider: 'test', email: otherAddress, createdAt: expect.any(String) },
    ]);
    const events = await server.gql(`{ securityEvents { type } }`, {}, { token });
    expect(events.data!.securityEvents[0]).toEqual({ type: 'account_linked' });
    // The provider sign-in, web and native, now reaches this account.
    const viaWeb = await exchange((await webFlow(sub)).searchParams.get('code')!);
    expect(viaWeb.data!.exchangeOAuthCode.user.id).toBe(user.id);
    const native = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub),
    });
    expect(native.data!.signInWithIdToken.user.id).toBe(user.id);

    // The link URL works once; both mutations need a signed-in viewer.
    const again = await new TestBrowser().open(url.href, [server.origin, idp.issuer]);
    expect(new URL(again.url).searchParams.get('error')).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(START_LINK, { provider: 'test' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(FINISH_LINK, { code: 'x' }))).toBe('UNAUTHENTICATED');

    // The linking rules still hold at finishOAuthLink: the identity is someone else's now, and this
    // user already has an identity of that provider.
    const other = await createActiveUser(server, uniqueEmail('linker-2'));
    const otherToken = (await signIn(server, other.email)).accessToken;
    const taken = await linkFlow(await startLink(otherToken), sub);
    const stolen = { code: taken.searchParams.get('link_code') };
    expect(codeOf(await server.gql(FINISH_LINK, stolen, { token: otherToken }))).toBe('FORBIDDEN');
    const second = await linkFlow(await startLink(token), providerAccount(uniqueEmail('second')));
    const twice = { code: second.searchParams.get('link_code') };
    expect(codeOf(await server.gql(FINISH_LINK, twice, { token }))).toBe('FORBIDDEN');
    expect((await server.gql(LINKED, {}, { token })).data!.linkedAccounts).toHaveLength(1);
    expect((await server.gql(LINKED, {}, { token: otherToken })).data).toEqual({
      linkedAccounts: [],
    });
  });

  it('a link code is spent by its first use, and no code is taken for the other kind', async () => {
    const user = await createActiveUser(server, uniqueEmail('link-codes'));
    const token = (await signIn(server, user.email)).accessToken;
    const sub = providerAccount(uniqueEmail('link-codes-idp'));

    const first = (await linkFlow(await startLink(token), sub)).searchParams.get('link_code')!;
    expect((await server.gql(FINISH_LINK, { code: first }, { token })).errors).toBeUndefined();
    expect(codeOf(await server.gql(FINISH_LINK, { code: first }, { token }))).toBe('INVALID_TOKEN');
    await server.gql(UNLINK, { provider: 'test' }, { token });

    // A link code given to exchangeOAuthCode signs nobody in, and is spent by it.
    const asSignIn = (await linkFlow(await startLink(token), sub)).searchParams.get('link_code')!;
    expect(codeOf(await exchange(asSignIn))).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(FINISH_LINK, { code: asSignIn }, { token }))).toBe(
      'INVALID_TOKEN',
    );
    expect((await server.gql(LINKED, {}, { token })).data).toEqual({ linkedAccounts: [] });

    // A sign-in code given to finishOAuthLink links nothing, and is spent by it.
    const signInCode = (
      await webFlow(providerAccount(uniqueEmail('link-codes-web')))
    ).searchParams.get('code')!;
    expect(codeOf(await server.gql(FINISH_LINK, { code: signInCode }, { token }))).toBe(
      'INVALID_TOKEN',
    );
    expect(codeOf(await exchange(signInCode))).toBe('INVALID_TOKEN');
    expect((await server.gql(LINKED, {}, { token })).data).toEqual({ linkedAccounts: [] });
  });

  it('keeps only the hash of a link code, and refuses it after 60 s', async () => {
    const user = await createActiveUser(server, uniqueEmail('link-expiry'));
    const token = (await signIn(server, user.email)).accessToken;
    const email = uniqueEmail('link-expiry-idp');
    const sub = providerAccount(email);
    const code = (await linkFlow(await startLink(token), sub)).searchParams.get('link_code')!;
    const em = server.app.orm.em.fork();
    expect(await em.findOne(OAuthState, { id: code })).toBeNull();
    const row = await em.findOneOrFail(OAuthState, { id: sha256(code) });
    expect(row).toMatchObject({
      kind: OAuthStateKind.LINK_CODE,
      provider: 'test',
      subject: sub,
      email,
      emailVerified: true,
    });
    expect(row.user?.id).toBe(user.id);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(60_000);
    await em.nativeUpdate(OAuthState, { id: row.id }, { expiresAt: new Date(Date.now() - 1) });
    expect(codeOf(await server.gql(FINISH_LINK, { code }, { token }))).toBe('INVALID_TOKEN');
    expect(await em.fork().count(OAuthState, { id: row.id })).toBe(0);
    expect((await server.gql(LINKED, {}, { token })).data).toEqual({ linkedAccounts: [] });
  });
});

describe('social sign-in and the shared pipeline', () => {
  const EVENTS = `{ securityEvents { type } }`;
  const DISABLE = `mutation ($id: ID!) { disableUser(id: $id) { id disabled } }`;

  it('records sign-up, link and sign-in as security events; a refused unlink records nothing', async () => {
    const sub = providerAccount(uniqueEmail('events'));
    const res = await server.gql(ID_TOKEN, { provider: 'test', idToken: await nativeToken(sub) });
    const token = res.data!.signInWithIdToken.accessToken as string;
    const types = async () =>
      ((await server.gql(EVENTS, {}, { token })).data!.securityEvents as Array<{ type: string }>)
        .map((e) => e.type)
        .sort();
    expect(await types()).toEqual(['account_linked', 'signed_in', 'signed_up']);
    expect(codeOf(await server.gql(UNLINK, { provider: 'test' }, { token }))).toBe('FORBIDDEN');
    expect(await types()).toEqual(['account_linked', 'signed_in', 'signed_up']);
  });

  it('an account with TOTP on answers MFA_REQUIRED; completeSignIn finishes with fed + otp', async () => {
    const user = await createActiveUser(server, uniqueEmail('mfa'));
    const mfa = await enableTotp(server, user.email);
    const sub = providerAccount(user.email);
    const res = await server.gql(ID_TOKEN, { provider: 'test', idToken: await nativeToken(sub) });
    expect(codeOf(res)).toBe('MFA_REQUIRED');
    expect(res.errors![0]!.extensions!.methods).toEqual(['TOTP', 'RECOVERY_CODE']);
    const web = await exchange((await webFlow(sub)).searchParams.get('code')!);
    expect(codeOf(web)).toBe('MFA_REQUIRED');
    const done = await server.gql(COMPLETE, {
      mfaTicket: web.errors![0]!.extensions!.mfaTicket,
      code: totpCode(mfa.secret),
    });
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeSignIn.user.id).toBe(user.id);
    expect(amrOf(done.data!.completeSignIn.accessToken)).toEqual(['fed', 'otp']);
  });

  it('a disabled account cannot sign in socially (ACCOUNT_DISABLED from the shared finish)', async () => {
    const admin = await createActiveUser(server, uniqueEmail('admin'));
    await server.app.services.admin.setRoleByEmail(
      server.app.orm.em.fork(),
      admin.email,
      Role.ADMIN,
    );
    const adminToken = (await signIn(server, admin.email)).accessToken;
    const sub = providerAccount(uniqueEmail('disabled'));
    const first = await server.gql(ID_TOKEN, { provider: 'test', idToken: await nativeToken(sub) });
    const id = first.data!.signInWithIdToken.user.id as string;
    const disabled = await server.gql(DISABLE, { id }, { token: adminToken });
    expect(disabled.errors).toBeUndefined();
    const native = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub),
    });
    expect(codeOf(native)).toBe('ACCOUNT_DISABLED');
    const web = await exchange((await webFlow(sub)).searchParams.get('code')!);
    expect(codeOf(web)).toBe('ACCOUNT_DISABLED');
  });
});

describe('social sign-in logs', () => {
  it('record flows and refusals without any code, token, state or secret', () => {
    const text = log.lines.join('');
    expect(text).toContain('"event":"oauth_flow_failed"');
    // A refused ID token is logged as every failed sign-in is, with why.
    expect(text).toMatch(/"event":"sign_in_failed","method":"OAUTH"[^}]*"reason":"id_token_/);
    expect(text).toContain('"event":"oauth_link_refused"');
    expect(secrets.length).toBeGreaterThan(20);
    for (const secret of secrets)
      expect([secret.slice(0, 12), text.includes(secret)]).toEqual([secret.slice(0, 12), false]);
  });
});

describe('social sign-in limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      NODE_ENV: 'development',
      LOG_LEVEL: 'silent',
      OAUTH_PROVIDERS: 'test',
      OAUTH_TEST_ISSUER: idp.issuer,
      OAUTH_TEST_CLIENT_ID: CLIENT_ID,
      OAUTH_ALLOW_HTTP_ISSUERS: 'true',
      RATE_LIMIT_TOKEN_PER_IP: '2',
      RATE_LIMIT_SIGNIN_PER_IP: '2',
    });
  });
  afterAll(() => limited?.close());

  it('counts code exchanges, link codes and ID-token sign-ins per IP', async () => {
    const sub = providerAccount(uniqueEmail('limited'));
    const results = [];
    let token = '';
    for (let i = 0; i < 3; i++) {
      const res = await limited.gql(ID_TOKEN, {
        provider: 'test',
        idToken: await nativeToken(sub),
      });
      token ||= res.data?.signInWithIdToken.accessToken ?? '';
      results.push(codeOf(res));
    }
    expect(results).toEqual([undefined, undefined, 'TOO_MANY_REQUESTS']);
    // exchangeOAuthCode and finishOAuthLink draw on one per-IP token budget.
    const codes = [
      codeOf(await limited.gql(EXCHANGE, { code: 'x0' })),
      codeOf(await limited.gql(FINISH_LINK, { code: 'x1' }, { token })),
      codeOf(await limited.gql(FINISH_LINK, { code: 'x2' }, { token })),
      codeOf(await limited.gql(EXCHANGE, { code: 'x3' })),
    ];
    expect(codes).toEqual([
      'INVALID_TOKEN',
      'INVALID_TOKEN',
      'TOO_MANY_REQUESTS',
      'TOO_MANY_REQUESTS',
    ]);
  });
});
