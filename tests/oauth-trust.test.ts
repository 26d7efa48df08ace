import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { SoftAuthenticator } from '../bench/soft-authenticator';
import { LinkedAccount } from '../src/oauth/linked-account.entity';
import { UsedIdToken } from '../src/oauth/used-id-token.entity';
import { User } from '../src/users/user.entity';
import { TestBrowser } from './helpers/browser';
import { codeOf, createActiveUser, ME, REFRESH, signIn, uniqueEmail } from './helpers/flows';
import { freePort } from './helpers/inbox';
import { awayFromStepEdge, CONFIRM_TOTP, START_TOTP, totpCode } from './helpers/mfa';
import { TestOpenIdProvider } from './helpers/oidc-provider';
import { startTestServer, type TestServer } from './helpers/server';

// The round-3 trust rules of social sign-in (API.md "Round 3 trust rules"), against a real OpenID
// provider on loopback: no account from an unproven address, the reclaim on a verified join, single-use
// native ID tokens, and the web flow's code bound to the app that started it (RFC 8252).
const CLIENT_ID = 'authql-trust-client';
const CLIENT_SECRET = 'a-client-secret-for-trust-tests-0123456789';
const CLIENT = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const IOS_AUDIENCE = 'com.example.ios';
const APP_RETURN = 'https://app.test/oauth-done';
const APP_SCHEME = 'com.example.app:/oauth';

const EXCHANGE = `mutation ($code: String!) { exchangeOAuthCode(code: $code) { user { id email } } }`;
const EXCHANGE_BOUND = `mutation ($code: String!, $codeVerifier: String) {
  exchangeOAuthCode(code: $code, codeVerifier: $codeVerifier) { accessToken user { id email } }
}`;
const ID_TOKEN = `mutation ($provider: String!, $idToken: String!, $nonce: String) {
  signInWithIdToken(provider: $provider, idToken: $idToken, nonce: $nonce) {
    accessToken refreshToken user { id email }
  }
}`;
const LINKED = `{ linkedAccounts { provider email } }`;
const START_LINK = `mutation ($provider: String!) { startOAuthLink(provider: $provider) }`;
const FINISH_LINK = `mutation ($code: String!) { finishOAuthLink(code: $code) { provider email } }`;
const PASSKEYS = `{ passkeys { id } }`;
const START_REGISTRATION = `mutation { startPasskeyRegistration { challengeId options } }`;
const FINISH_REGISTRATION = `mutation ($challengeId: ID!, $response: JSON!) {
  finishPasskeyRegistration(challengeId: $challengeId, response: $response) { id }
}`;
const ME_MFA = `{ me { id mfaEnabled } }`;

let idp: TestOpenIdProvider;
let server: TestServer;
let passkeyOrigin: string;

beforeAll(async () => {
  idp = await TestOpenIdProvider.prepare();
  passkeyOrigin = `http://localhost:${await freePort()}`;
  server = await startTestServer(
    {
      ...idp.serverEnv(CLIENT),
      // `second` is the same issuer under another name: a second provider for native sign-in.
      OAUTH_PROVIDERS: 'test,second',
      OAUTH_TEST_AUDIENCES: IOS_AUDIENCE,
      OAUTH_SECOND_ISSUER: idp.issuer,
      OAUTH_SECOND_CLIENT_ID: CLIENT_ID,
      OAUTH_REDIRECT_URLS: `${APP_RETURN},${APP_SCHEME}`,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: passkeyOrigin,
    },
    { ownAppUrl: true },
  );
  await idp.startFor(server, CLIENT);
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
});

const providerAccount = (email: string | undefined, emailVerified = true) =>
  idp.account(email, emailVerified);

/** The web flow in a fresh browser; `query` adds start parameters. Returns the app URL it ends on. */
async function webFlow(
  login: string | null,
  query: Record<string, string> = {},
  redirectTo = APP_RETURN,
): Promise<URL> {
  idp.nextLogin = login;
  const start = new URL(`${server.origin}/oauth/test/start`);
  start.searchParams.set('redirect_to', redirectTo);
  for (const [key, value] of Object.entries(query)) start.searchParams.set(key, value);
  const res = await new TestBrowser().open(start.href, [server.origin, idp.issuer]);
  expect(res.left).toBe(true);
  return new URL(res.url);
}

/** What `GET /oauth/test/start` answers, unfollowed. */
async function startStatus(query: Record<string, string>): Promise<number> {
  const res = await fetch(`${server.origin}/oauth/test/start?${new URLSearchParams(query)}`, {
    redirect: 'manual',
  });
  return res.status;
}

/** An ID token of the provider for `sub` (with a fresh `jti` unless `extra` says otherwise). */
async function nativeToken(
  sub: string,
  extra: Record<string, unknown> = {},
  options: { iatOffsetSec?: number; issuedAt?: number } = {},
) {
  const account = idp.accounts.get(sub)!;
  return idp.mintIdToken(
    {
      sub,
      aud: CLIENT_ID,
      email: account.email,
      email_verified: account.emailVerified,
      jti: randomUUID(),
      ...extra,
    },
    options,
  );
}

const nativeSignIn = async (sub: string, provider = 'test') =>
  server.gql(ID_TOKEN, { provider, idToken: await nativeToken(sub) });

/** startOAuthLink → provider (as `login`) → finishOAuthLink, for the viewer of `token`. */
async function linkProvider(token: string, login: string) {
  const started = await server.gql(START_LINK, { provider: 'test' }, { token });
  idp.nextLogin = login;
  const res = await new TestBrowser().open(started.data!.startOAuthLink as string, [
    server.origin,
    idp.issuer,
  ]);
  const code = new URL(res.url).searchParams.get('link_code');
  return server.gql(FINISH_LINK, { code }, { token });
}

/** An account as an unverified provider claim made it before the rule: no proof, no password. */
async function legacyUnprovenAccount(email: string, claimantSub: string): Promise<string> {
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
  return user.id;
}

const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('no account from an unproven address', () => {
  it('refuses to create an account from an unverified provider email, natively and on the web', async () => {
    const email = uniqueEmail('unproven-new');
    const sub = providerAccount(email, false);
    const native = await nativeSignIn(sub);
    expect(codeOf(native)).toBe('EMAIL_NOT_VERIFIED');
    expect(native.errors![0]!.message).toMatch(/sign up with your email/i);
    expect(native.errors![0]!.message).toMatch(/link/i);
    const web = await webFlow(sub);
    expect([web.searchParams.get('error'), web.searchParams.get('code')]).toEqual([
      'EMAIL_NOT_VERIFIED',
      null,
    ]);
    expect(await server.app.orm.em.fork().count(User, { email })).toBe(0);

    // A provider that says nothing about the address (Microsoft sends no email_verified) is no proof.
    const silent = providerAccount(uniqueEmail('unproven-silent'));
    const token = await idp.mintIdToken({ sub: silent, aud: CLIENT_ID, email: `x${email}` });
    expect(codeOf(await server.gql(ID_TOKEN, { provider: 'test', idToken: token }))).toBe(
      'EMAIL_NOT_VERIFIED',
    );
  });

  it('refuses to join an existing account from an unverified provider email', async () => {
    const user = await createActiveUser(server, uniqueEmail('unproven-join'));
    const sub = providerAccount(user.email, false);
    expect(codeOf(await nativeSignIn(sub))).toBe('EMAIL_NOT_VERIFIED');
    expect((await webFlow(sub)).searchParams.get('error')).toBe('EMAIL_NOT_VERIFIED');
    const owner = await signIn(server, user.email);
    expect((await server.gql(LINKED, {}, { token: owner.accessToken })).data).toEqual({
      linkedAccounts: [],
    });
  });

  it('a signed-in user may link an unverified identity, which then signs in to that user', async () => {
    const user = await createActiveUser(server, uniqueEmail('unproven-link'));
    const token = (await signIn(server, user.email)).accessToken;
    const sub = providerAccount(uniqueEmail('unproven-link-idp'), false);
    const linked = await linkProvider(token, sub);
    expect(linked.errors).toBeUndefined();
    expect(linked.data!.finishOAuthLink).toHaveLength(1);

    // Already linked: neither a join nor a creation, so the missing verification does not matter.
    const native = await nativeSignIn(sub);
    expect(native.errors).toBeUndefined();
    expect(native.data!.signInWithIdToken.user.id).toBe(user.id);
    const code = (await webFlow(sub)).searchParams.get('code')!;
    const web = await server.gql(EXCHANGE, { code });
    expect(web.data!.exchangeOAuthCode.user.id).toBe(user.id);
  });
});

describe('a verified join proves the address (the reclaim rule)', () => {
  it('takes an unproven account back: the earlier holder loses sessions, passkeys, TOTP and links', async () => {
    const email = uniqueEmail('reclaim');
    const claimant = providerAccount(email, false);
    const accountId = await legacyUnprovenAccount(email, claimant);

    // The claimant signs in through the existing link and adds ways in of their own.
    const held = await nativeSignIn(claimant);
    expect(held.errors).toBeUndefined();
    const { accessToken, refreshToken } = held.data!.signInWithIdToken;
    const started = await server.gql(START_REGISTRATION, {}, { token: accessToken });
    const authenticator = new SoftAuthenticator('localhost', passkeyOrigin);
    const registered = await server.gql(
      FINISH_REGISTRATION,
      {
        challengeId: started.data!.startPasskeyRegistration.challengeId,
        response: authenticator.create(started.data!.startPasskeyRegistration.options),
      },
      { token: accessToken },
    );
    expect(registered.errors).toBeUndefined();
    const totp = await server.gql(START_TOTP, {}, { token: accessToken });
    await awayFromStepEdge();
    const confirmed = await server.gql(
      CONFIRM_TOTP,
      { code: totpCode(totp.data!.startTotpEnrollment.secret as string, -1) },
      { token: accessToken },
    );
    expect(confirmed.errors).toBeUndefined();
    // The passkey and TOTP notices go out through the outbox: count from once both are in.
    await server.inbox.waitFor(email, 2);
    const mails = server.inbox.for(email).length;

    // The mailbox's owner signs in with a provider that verified the address.
    const owner = await nativeSignIn(providerAccount(email, true));
    expect(owner.errors).toBeUndefined(); // no MFA_REQUIRED: the claimant's TOTP is gone
    const ownerToken = owner.data!.signInWithIdToken.accessToken as string;
    expect(owner.data!.signInWithIdToken.user.id).toBe(accountId);
    expect((await server.gql(ME_MFA, {}, { token: ownerToken })).data!.me.mfaEnabled).toBe(false);
    expect((await server.gql(PASSKEYS, {}, { token: ownerToken })).data).toEqual({ passkeys: [] });
    expect((await server.gql(LINKED, {}, { token: ownerToken })).data!.linkedAccounts).toEqual([
      { provider: 'test', email },
    ]);

    // The claimant's session is over, and their identity no longer opens the account.
    expect(codeOf(await server.gql(ME, {}, { token: accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(REFRESH, { refreshToken }))).toBe('INVALID_TOKEN');
    expect(codeOf(await nativeSignIn(claimant))).toBe('EMAIL_NOT_VERIFIED');

    // The owner is told what was removed.
    const mail = await server.inbox.waitFor(email, mails + 1);
    expect(mail.subject).toBe('Your account is yours again');
    expect(mail.text).toMatch(/passkey/);
    expect(mail.text).toMatch(/two-step verification/);
    expect(mail.text).toMatch(/signed-in session/);
    expect(mail.text).toMatch(/social sign-in link/);
  });

  it("a mail-proven account keeps its owner's sessions and own unverified links", async () => {
    const user = await createActiveUser(server, uniqueEmail('proven-join'));
    const session = await signIn(server, user.email);
    // The owner's own link to an identity whose provider did not verify its address.
    const own = providerAccount(uniqueEmail('proven-join-idp'), false);
    expect((await linkProvider(session.accessToken, own)).errors).toBeUndefined();
    const mails = server.inbox.for(user.email).length;

    const joined = await nativeSignIn(providerAccount(user.email, true), 'second');
    expect(joined.errors).toBeUndefined();
    expect(joined.data!.signInWithIdToken.user.id).toBe(user.id);

    const me = await server.gql(ME, {}, { token: session.accessToken });
    expect(me.data!.me.id).toBe(user.id);
    const links = await server.gql(LINKED, {}, { token: session.accessToken });
    expect(links.data!.linkedAccounts.map((l: { provider: string }) => l.provider).sort()).toEqual([
      'second',
      'test',
    ]);
    expect((await nativeSignIn(own)).data!.signInWithIdToken.user.id).toBe(user.id);
    expect(server.inbox.for(user.email)).toHaveLength(mails);
  });

  it('an account made from a verified provider email is provider-proven: a second provider joins it without a reclaim', async () => {
    const email = uniqueEmail('provider-proven');
    const made = await nativeSignIn(providerAccount(email, true));
    expect(made.errors).toBeUndefined();
    const { accessToken, user } = made.data!.signInWithIdToken;
    const row = await server.app.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(row.emailProof).toBe('provider');

    const joined = await nativeSignIn(providerAccount(email, true), 'second');
    expect(joined.data!.signInWithIdToken.user.id).toBe(user.id);
    expect((await server.gql(ME, {}, { token: accessToken })).data!.me.id).toBe(user.id);
  });
});

describe('native ID tokens', () => {
  it('are single use: the same token (by jti, else by iat) is refused the second time', async () => {
    const sub = providerAccount(uniqueEmail('replay'));
    const token = await nativeToken(sub);
    expect(
      (await server.gql(ID_TOKEN, { provider: 'test', idToken: token })).errors,
    ).toBeUndefined();
    const replay = await server.gql(ID_TOKEN, { provider: 'test', idToken: token });
    expect([codeOf(replay), replay.data]).toEqual(['INVALID_TOKEN', null]);
    // Kept until the token expires, then housekeeping may forget it.
    const expiresAt = new Date(decodeJwt(token).exp! * 1000);
    expect(await server.app.orm.em.fork().count(UsedIdToken, { expiresAt })).toBeGreaterThan(0);

    // Without a jti, the key is the issue time: another token of the same second is the same token.
    const issuedAt = Math.floor(Date.now() / 1000);
    const bare = await nativeToken(sub, { jti: undefined }, { issuedAt });
    const twin = await nativeToken(sub, { jti: undefined, name: 'another token' }, { issuedAt });
    const later = await nativeToken(sub, { jti: undefined }, { issuedAt: issuedAt - 5 });
    expect(bare).not.toBe(twin);
    const results = [];
    for (const idToken of [bare, twin, later, bare])
      results.push(codeOf(await server.gql(ID_TOKEN, { provider: 'test', idToken })));
    expect(results).toEqual([undefined, 'INVALID_TOKEN', undefined, 'INVALID_TOKEN']);
    // On another provider name the same issuer's token is the same token too.
    const other = await nativeToken(sub);
    expect(
      (await server.gql(ID_TOKEN, { provider: 'test', idToken: other })).errors,
    ).toBeUndefined();
    expect(codeOf(await server.gql(ID_TOKEN, { provider: 'second', idToken: other }))).toBe(
      'INVALID_TOKEN',
    );
  });

  it('with several audiences, azp must be one of our client ids', async () => {
    const sub = providerAccount(uniqueEmail('azp'));
    const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
      ['several audiences, no azp', { aud: [CLIENT_ID, 'someone-else'] }, 'INVALID_TOKEN'],
      [
        'several audiences, azp not ours',
        { aud: [CLIENT_ID, 'someone-else'], azp: 'someone-else' },
        'INVALID_TOKEN',
      ],
      // Google's Android tokens: aud our web client, azp the Android client (maybe not listed).
      ['one audience, azp another party', { azp: 'someone-else' }, undefined],
      [
        'several audiences, azp ours',
        { aud: [CLIENT_ID, 'someone-else'], azp: CLIENT_ID },
        undefined,
      ],
      ['azp an extra audience', { aud: [IOS_AUDIENCE, CLIENT_ID], azp: IOS_AUDIENCE }, undefined],
      ['one audience, no azp', {}, undefined],
    ];
    for (const [label, claims, expected] of cases) {
      const res = await server.gql(ID_TOKEN, {
        provider: 'test',
        idToken: await nativeToken(sub, claims),
      });
      expect([label, codeOf(res)]).toEqual([label, expected]);
    }
  });

  it('refuses a token issued more than 60 s in the future', async () => {
    const sub = providerAccount(uniqueEmail('iat'));
    const ahead = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub, {}, { iatOffsetSec: 120 }),
    });
    expect(codeOf(ahead)).toBe('INVALID_TOKEN');
    const slightly = await server.gql(ID_TOKEN, {
      provider: 'test',
      idToken: await nativeToken(sub, {}, { iatOffsetSec: 30 }),
    });
    expect(slightly.errors).toBeUndefined();
  });

  it('takes the raw nonce, never the hashed claim copied back', async () => {
    const sub = providerAccount(uniqueEmail('nonce'));
    const raw = randomBytes(16).toString('base64url');
    const digest = createHash('sha256').update(raw).digest();
    const hex = digest.toString('hex');
    const signInWith = async (claim: string, given: string) =>
      codeOf(
        await server.gql(ID_TOKEN, {
          provider: 'test',
          idToken: await nativeToken(sub, { nonce: claim }),
          nonce: given,
        }),
      );
    expect(await signInWith(hex, hex)).toBe('INVALID_TOKEN');
    expect(await signInWith(hex.toUpperCase(), hex.toUpperCase())).toBe('INVALID_TOKEN');
    expect(await signInWith(hex, raw)).toBeUndefined();
    expect(await signInWith(digest.toString('base64url'), raw)).toBeUndefined();
    expect(await signInWith(raw, raw)).toBeUndefined();
  });
});

describe("the web flow's code bound to the app (RFC 8252)", () => {
  it('a code started with code_challenge needs the matching codeVerifier, and is spent by a wrong one', async () => {
    const sub = providerAccount(uniqueEmail('pkce'));
    const { verifier, challenge } = pkcePair();
    const bound = (method?: string) =>
      webFlow(sub, {
        code_challenge: challenge,
        ...(method ? { code_challenge_method: method } : {}),
      }).then((back) => back.searchParams.get('code')!);

    const missing = await bound('S256');
    expect(codeOf(await server.gql(EXCHANGE_BOUND, { code: missing }))).toBe('INVALID_TOKEN');
    expect(
      codeOf(await server.gql(EXCHANGE_BOUND, { code: missing, codeVerifier: verifier })),
    ).toBe('INVALID_TOKEN');

    const wrong = await bound();
    const other = pkcePair().verifier;
    expect(codeOf(await server.gql(EXCHANGE_BOUND, { code: wrong, codeVerifier: other }))).toBe(
      'INVALID_TOKEN',
    );
    expect(codeOf(await server.gql(EXCHANGE_BOUND, { code: wrong, codeVerifier: verifier }))).toBe(
      'INVALID_TOKEN',
    );

    const right = await server.gql(EXCHANGE_BOUND, { code: await bound(), codeVerifier: verifier });
    expect(right.errors).toBeUndefined();
    expect(right.data!.exchangeOAuthCode.user.email).toBe(idp.accounts.get(sub)!.email);

    // A verifier for a code that was never bound: someone else's code injected into this app.
    const unbound = (await webFlow(sub)).searchParams.get('code')!;
    expect(
      codeOf(await server.gql(EXCHANGE_BOUND, { code: unbound, codeVerifier: verifier })),
    ).toBe('INVALID_TOKEN');
  });

  it('refuses a malformed code_challenge or a method other than S256', async () => {
    const { challenge } = pkcePair();
    const base = { redirect_to: APP_RETURN };
    expect(await startStatus({ ...base, code_challenge: challenge })).toBe(302);
    expect(
      await startStatus({ ...base, code_challenge: challenge, code_challenge_method: 'plain' }),
    ).toBe(400);
    expect(await startStatus({ ...base, code_challenge: 'short' })).toBe(400);
    expect(await startStatus({ ...base, code_challenge: `${challenge.slice(1)}+` })).toBe(400);
    expect(await startStatus({ ...base, code_challenge: 'a'.repeat(129) })).toBe(400);
    expect(await startStatus({ ...base, code_challenge_method: 'S256' })).toBe(400);
  });

  it('a custom-scheme redirect_to (a native app) requires code_challenge', async () => {
    expect(await startStatus({ redirect_to: APP_SCHEME })).toBe(400);
    const sub = providerAccount(uniqueEmail('pkce-scheme'));
    const { verifier, challenge } = pkcePair();
    const back = await webFlow(sub, { code_challenge: challenge }, APP_SCHEME);
    expect(back.protocol).toBe('com.example.app:');
    const res = await server.gql(EXCHANGE_BOUND, {
      code: back.searchParams.get('code'),
      codeVerifier: verifier,
    });
    expect(res.errors).toBeUndefined();
  });
});
