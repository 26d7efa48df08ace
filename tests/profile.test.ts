import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../src/config';
import { Session } from '../src/sessions/session.entity';
import { User } from '../src/users/user.entity';
import {
  ACTIVATE,
  codeOf,
  createActiveUser,
  PASSWORD,
  REFRESH,
  signIn,
  uniqueEmail,
} from './helpers/flows';
import { createAdmin } from './helpers/admin';
import { linkToken } from './helpers/inbox';
import { TestOpenIdProvider } from './helpers/oidc-provider';
import { startTestServer, TEST_SECRET, type TestServer } from './helpers/server';

// The account's own data: name, locale, emailVerified, metadata (the user's) and appMetadata (admins',
// copied into access tokens as `app`), over HTTP against the real server.
const CLIENT_ID = 'authql-profile-client';
const CLIENT = { clientId: CLIENT_ID, clientSecret: 'a-client-secret-for-tests-only-0123456789' };
const PROFILE = 'id email name locale emailVerified metadata appMetadata';
const ME = `{ me { ${PROFILE} } }`;
const SIGN_UP = `mutation ($email: String!, $password: String!, $name: String, $locale: String) {
  signUp(input: { email: $email, password: $password, name: $name, locale: $locale })
}`;
const UPDATE = `mutation ($name: String, $locale: String, $metadata: JSON) {
  updateProfile(name: $name, locale: $locale, metadata: $metadata) { ${PROFILE} }
}`;
const SET_APP = `mutation ($id: ID!, $appMetadata: JSON!) {
  setUserAppMetadata(id: $id, appMetadata: $appMetadata) { ${PROFILE} }
}`;
const ADMIN_USER = `query ($id: ID!) { user(id: $id) { ${PROFILE} } }`;
const USER_EVENTS = `query ($userId: ID!) { userSecurityEvents(userId: $userId) { type actorId } }`;
const SESSIONS = `{ sessions { id } }`;
const ID_TOKEN = `mutation ($idToken: String!) {
  signInWithIdToken(provider: "test", idToken: $idToken) { user { id locale emailVerified } }
}`;

let idp: TestOpenIdProvider;
let server: TestServer;

beforeAll(async () => {
  idp = await TestOpenIdProvider.prepare();
  server = await startTestServer({
    ...idp.serverEnv(CLIENT),
    OAUTH_PROVIDERS: 'test',
    OAUTH_REDIRECT_URLS: 'https://app.test/done',
    SUPPORTED_LOCALES: 'en,de,fr,es,pt-BR',
    DEFAULT_LOCALE: 'es',
  });
  await idp.startFor(server, CLIENT);
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
});

async function signUp(
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ email: string; id: string }> {
  const email = (variables.email as string) ?? uniqueEmail('profile');
  const before = server.inbox.for(email).length;
  const res = await server.gql(SIGN_UP, { email, password: PASSWORD, ...variables }, { headers });
  expect(res.errors).toBeUndefined();
  const token = linkToken(await server.inbox.waitFor(email, before + 1), '/activate');
  const activated = await server.gql(ACTIVATE, { token });
  expect(activated.errors).toBeUndefined();
  return { email, id: activated.data!.activateAccount.id as string };
}

async function me(token: string) {
  const res = await server.gql(ME, {}, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.me as Record<string, unknown>;
}

const claimsOf = (accessToken: string) => jwt.decode(accessToken) as jwt.JwtPayload;

describe('configuration', () => {
  const base = { NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: 'sqlite::memory:' };

  it('defaults to en,de,fr,es with en, and refuses a DEFAULT_LOCALE outside SUPPORTED_LOCALES', () => {
    const config = loadConfig(base);
    expect(config.locales).toEqual({ supported: ['en', 'de', 'fr', 'es'], default: 'en' });
    expect(() => loadConfig({ ...base, DEFAULT_LOCALE: 'it' })).toThrow(
      /DEFAULT_LOCALE \(it\) must be one of SUPPORTED_LOCALES/,
    );
    expect(() => loadConfig({ ...base, SUPPORTED_LOCALES: 'en,not a tag' })).toThrow(
      /SUPPORTED_LOCALES/,
    );
  });
});

describe('sign-up with a profile', () => {
  it('keeps the name (trimmed) and the locale given; a new account starts with empty metadata', async () => {
    const user = await signUp({ name: '  Ada Lovelace  ', locale: 'fr' });
    const profile = await me((await signIn(server, user.email)).accessToken);
    expect(profile).toEqual({
      id: user.id,
      email: user.email,
      name: 'Ada Lovelace',
      locale: 'fr',
      emailVerified: true,
      metadata: {},
      appMetadata: {},
    });
  });

  it("takes the request's Accept-Language when no locale is given, else DEFAULT_LOCALE", async () => {
    const german = await signUp({}, { 'accept-language': 'it-IT, de-AT;q=0.8, en;q=0.5' });
    expect((await me((await signIn(server, german.email)).accessToken)).locale).toBe('de');
    const brazil = await signUp({}, { 'accept-language': 'pt-br' });
    expect((await me((await signIn(server, brazil.email)).accessToken)).locale).toBe('pt-BR');
    const unknown = await signUp({}, { 'accept-language': 'ja, ko;q=0.9' });
    expect((await me((await signIn(server, unknown.email)).accessToken)).locale).toBe('es');
  });

  it('refuses an unsupported locale and a name over 100 characters, making no account', async () => {
    const email = uniqueEmail('bad-profile');
    for (const extra of [{ locale: 'it' }, { locale: '' }, { name: 'x'.repeat(101) }]) {
      const res = await server.gql(SIGN_UP, { email, password: PASSWORD, ...extra });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
    expect(server.inbox.for(email)).toHaveLength(0);
    // Exactly 100 characters is fine.
    const user = await signUp({ name: 'n'.repeat(100) });
    expect((await me((await signIn(server, user.email)).accessToken)).name).toBe('n'.repeat(100));
  });

  it('gives a social sign-up DEFAULT_LOCALE, whatever the request says', async () => {
    const email = uniqueEmail('social');
    const idToken = await idp.mintIdToken({
      aud: CLIENT_ID,
      sub: `profile-${randomUUID()}`,
      email,
      email_verified: true,
      jti: randomUUID(),
    });
    const res = await server.gql(ID_TOKEN, { idToken }, { headers: { 'accept-language': 'fr' } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.signInWithIdToken.user).toMatchObject({ locale: 'es', emailVerified: true });
  });

  it('shows emailVerified false for an address nobody proved', async () => {
    const user = await createActiveUser(server, uniqueEmail('unproven'));
    const { accessToken } = await signIn(server, user.email);
    await server.app.orm.em.fork().nativeUpdate(User, { id: user.id }, { emailProof: null });
    server.app.services.userCache.invalidate(user.id);
    expect((await me(accessToken)).emailVerified).toBe(false);
  });
});

describe('updateProfile', () => {
  it('changes name, locale and metadata, and `me` shows it at once (the cache is invalidated)', async () => {
    const user = await createActiveUser(server, uniqueEmail('update'));
    const { accessToken: token } = await signIn(server, user.email);
    // Warm the user cache first: a write that forgot to invalidate it would show the old profile.
    expect(await me(token)).toMatchObject({ name: null, locale: 'es', metadata: {} });
    const metadata = { theme: 'dark', tags: ['a', 'b'], nested: { n: 1, ok: true } };
    const res = await server.gql(UPDATE, { name: ' Grace ', locale: 'de', metadata }, { token });
    expect(res.errors).toBeUndefined();
    expect(res.data!.updateProfile).toMatchObject({ name: 'Grace', locale: 'de', metadata });
    expect(await me(token)).toMatchObject({ name: 'Grace', locale: 'de', metadata });

    // Omitted arguments stay; null clears the name; metadata is replaced whole.
    const partial = await server.gql(
      UPDATE,
      { name: null, metadata: { theme: 'light' } },
      { token },
    );
    expect(partial.errors).toBeUndefined();
    expect(await me(token)).toMatchObject({
      name: null,
      locale: 'de',
      metadata: { theme: 'light' },
    });
  });

  it('refuses metadata that is no object or over 4 KB, an unknown locale and a long name, changing nothing', async () => {
    const user = await createActiveUser(server, uniqueEmail('refuse'));
    const { accessToken: token } = await signIn(server, user.email);
    await server.gql(UPDATE, { name: 'Kept', metadata: { kept: true } }, { token });
    const tooBig = { blob: 'x'.repeat(4096) };
    for (const variables of [
      { metadata: [1, 2] },
      { metadata: 'text' },
      { metadata: 42 },
      { metadata: null },
      { metadata: tooBig },
      { locale: 'it' },
      { locale: null },
      // All or nothing: a good name beside a bad locale is not written either.
      { name: 'Changed', locale: 'xx' },
      { name: 'y'.repeat(101) },
    ]) {
      const res = await server.gql(UPDATE, variables, { token });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
    expect(await me(token)).toMatchObject({ name: 'Kept', metadata: { kept: true } });
    // 4 KB serialised is the limit, not the length of one value.
    const fits = { b: 'x'.repeat(4096 - '{"b":""}'.length) };
    expect((await server.gql(UPDATE, { metadata: fits }, { token })).errors).toBeUndefined();
  });

  it('needs a signed-in user and cannot write appMetadata', async () => {
    expect(codeOf(await server.gql(UPDATE, { name: 'x' }))).toBe('UNAUTHENTICATED');
    const user = await createActiveUser(server, uniqueEmail('self-app'));
    const { accessToken: token } = await signIn(server, user.email);
    const res = await server.gql(SET_APP, { id: user.id, appMetadata: { plan: 'pro' } }, { token });
    expect(codeOf(res)).toBe('FORBIDDEN');
    expect((await me(token)).appMetadata).toEqual({});
  });
});

describe('setUserAppMetadata and the `app` claim', () => {
  it('is written by an admin, ends nothing, records an event, and reaches tokens at the next refresh', async () => {
    const admin = await createAdmin(server);
    const user = await createActiveUser(server, uniqueEmail('app'));
    const tokens = await signIn(server, user.email);
    expect(claimsOf(tokens.accessToken).app).toBeUndefined();

    const appMetadata = { plan: 'pro', seats: 5, features: ['export'] };
    const res = await server.gql(SET_APP, { id: user.id, appMetadata }, { token: admin.token });
    expect(res.errors).toBeUndefined();
    expect(res.data!.setUserAppMetadata).toMatchObject({ id: user.id, appMetadata });

    // Nothing ended: the user's token still works, and `me` shows the new value at once.
    expect((await server.gql(SESSIONS, {}, { token: tokens.accessToken })).errors).toBeUndefined();
    expect((await me(tokens.accessToken)).appMetadata).toEqual(appMetadata);
    // The admin's view shows it too.
    const viewed = await server.gql(ADMIN_USER, { id: user.id }, { token: admin.token });
    expect(viewed.data!.user).toMatchObject({ appMetadata, emailVerified: true });

    // The next refresh re-reads the user, not the old token.
    const refreshed = await server.gql(REFRESH, { refreshToken: tokens.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const next = refreshed.data!.refreshToken;
    expect(claimsOf(next.accessToken).app).toEqual(appMetadata);
    // A new sign-in carries it too; the admin's own token does not (their appMetadata is empty).
    expect(claimsOf((await signIn(server, user.email)).accessToken).app).toEqual(appMetadata);
    expect(claimsOf(admin.token).app).toBeUndefined();

    const events = await server.gql(USER_EVENTS, { userId: user.id }, { token: admin.token });
    expect(events.data!.userSecurityEvents).toContainEqual({
      type: 'app_metadata_changed',
      actorId: admin.id,
    });

    // Emptied again: the claim is omitted.
    await server.gql(SET_APP, { id: user.id, appMetadata: {} }, { token: admin.token });
    const emptied = await server.gql(REFRESH, { refreshToken: next.refreshToken });
    expect(claimsOf(emptied.data!.refreshToken.accessToken).app).toBeUndefined();
  });

  it('carries 4 KB of appMetadata in a token the server still accepts', async () => {
    const admin = await createAdmin(server);
    const user = await createActiveUser(server, uniqueEmail('big-app'));
    const appMetadata = { blob: 'é'.repeat((4096 - '{"blob":""}'.length) / 2) };
    const set = await server.gql(SET_APP, { id: user.id, appMetadata }, { token: admin.token });
    expect(set.errors).toBeUndefined();
    const { accessToken } = await signIn(server, user.email);
    expect(claimsOf(accessToken).app).toEqual(appMetadata);
    expect((await me(accessToken)).appMetadata).toEqual(appMetadata);
  });

  it('refuses a non-object or over 4 KB, an unknown user, and a sign-in older than 15 minutes', async () => {
    const admin = await createAdmin(server);
    const user = await createActiveUser(server, uniqueEmail('app-refuse'));
    for (const appMetadata of [['x'], 'x', null, { blob: 'x'.repeat(4096) }]) {
      const res = await server.gql(SET_APP, { id: user.id, appMetadata }, { token: admin.token });
      // null for a JSON! argument is a GraphQL validation error; the rest are the service's.
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(codeOf(res));
    }
    const unknown = await server.gql(
      SET_APP,
      { id: randomUUID(), appMetadata: { a: 1 } },
      { token: admin.token },
    );
    expect(codeOf(unknown)).toBe('BAD_USER_INPUT');

    // fresh: 900. An admin whose session proved a factor 16 minutes ago must sign in again.
    const stale = await createAdmin(server);
    const tokens = await signIn(server, stale.email);
    const sid = claimsOf(tokens.accessToken).sid as string;
    await server.app.orm.em
      .fork()
      .nativeUpdate(Session, { id: sid }, { authTime: new Date(Date.now() - 16 * 60_000) });
    const old = (await server.gql(REFRESH, { refreshToken: tokens.refreshToken })).data!
      .refreshToken.accessToken as string;
    const refused = await server.gql(
      SET_APP,
      { id: user.id, appMetadata: { a: 1 } },
      { token: old },
    );
    expect(codeOf(refused)).toBe('REAUTHENTICATION_REQUIRED');
    expect((await me((await signIn(server, user.email)).accessToken)).appMetadata).toEqual({});
  });
});
