import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SoftAuthenticator } from '../bench/soft-authenticator';
import { LinkedAccount } from '../src/oauth/linked-account.entity';
import { User } from '../src/users/user.entity';
import {
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REFRESH,
  requestResetToken,
  RESET_PASSWORD,
  SIGN_IN,
  SIGN_OUT_EVERYWHERE,
  signIn,
  uniqueEmail,
} from './helpers/flows';
import { freePort } from './helpers/inbox';
import { sample } from './helpers/metrics';
import {
  COMPLETE,
  CONFIRM_TOTP,
  DISABLE_TOTP,
  enableTotp,
  passwordTicket,
  START_TOTP,
  totpCode,
} from './helpers/mfa';
import { TestOpenIdProvider } from './helpers/oidc-provider';
import { startTestServer, TEST_KEYS, type TestServer } from './helpers/server';

// The round-3 trust rules that are not a single method's: reclaiming an account an unproven holder
// used, fresh sign-in before adding a way in, the last way in, and MFA tickets outliving what ended.
const CLIENT_ID = 'authql-trust-client';
const CLIENT = { clientId: CLIENT_ID, clientSecret: 'a-client-secret-for-tests-only-0123456789' };
const METRICS = 'metrics-token-for-the-trust-rules-test-0123456789';
const PASSKEYS = `{ passkeys { id } }`;
const START_REGISTRATION = `mutation { startPasskeyRegistration { challengeId options } }`;
const FINISH_REGISTRATION = `mutation ($challengeId: ID!, $response: JSON!) {
  finishPasskeyRegistration(challengeId: $challengeId, response: $response) { id }
}`;
const START_SIGN_IN = `mutation { startPasskeySignIn { challengeId options } }`;
const FINISH_SIGN_IN = `mutation ($challengeId: ID!, $response: JSON!) {
  finishPasskeySignIn(challengeId: $challengeId, response: $response) { accessToken user { email } }
}`;
const ID_TOKEN = `mutation ($idToken: String!) {
  signInWithIdToken(provider: "test", idToken: $idToken) { accessToken refreshToken user { id } }
}`;
const UNLINK = `mutation { unlinkAccount(provider: "test") }`;
const DELETE_PASSKEY = `mutation ($id: ID!) { deletePasskey(id: $id) }`;
const EVENTS = `{ securityEvents { type } }`;

let idp: TestOpenIdProvider;
let server: TestServer;
let origin: string;

beforeAll(async () => {
  idp = await TestOpenIdProvider.prepare();
  const port = await freePort();
  origin = `http://localhost:${port}`;
  server = await startTestServer({
    ...idp.serverEnv(CLIENT),
    OAUTH_PROVIDERS: 'test',
    OAUTH_REDIRECT_URLS: 'https://app.test/done',
    WEBAUTHN_RP_ID: 'localhost',
    WEBAUTHN_ORIGINS: origin,
    METRICS_TOKEN: METRICS,
  });
  await idp.startFor(server, CLIENT);
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
});

const idToken = (sub: string, email: string, emailVerified: boolean) =>
  idp.mintIdToken({ aud: CLIENT_ID, sub, email, email_verified: emailVerified, jti: randomUUID() });

async function addPasskey(token: string, authenticator: SoftAuthenticator) {
  const started = await server.gql(START_REGISTRATION, {}, { token });
  expect(started.errors).toBeUndefined();
  const { challengeId, options } = started.data!.startPasskeyRegistration;
  const res = await server.gql(
    FINISH_REGISTRATION,
    { challengeId, response: authenticator.create(options) },
    { token },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.finishPasskeyRegistration.id as string;
}

async function passkeySignIn(authenticator: SoftAuthenticator) {
  const started = await server.gql(START_SIGN_IN, {});
  const { challengeId, options } = started.data!.startPasskeySignIn;
  return server.gql(FINISH_SIGN_IN, { challengeId, response: authenticator.get(options) });
}

/**
 * An account as round 2 made it from a provider's unverified claim of `email` (the rule now refuses to
 * make one): active, no password, its address never proven, linked to the claiming provider subject.
 */
async function legacyUnprovenAccount(email: string, sub: string): Promise<string> {
  const em = server.app.orm.em.fork();
  const id = randomUUID();
  const now = new Date();
  await em.insert(User, {
    id,
    email,
    passwordHash: null,
    isActive: true,
    createdAt: now,
    updatedAt: now,
    passwordChangedAt: now,
  });
  await em.insert(LinkedAccount, {
    id: randomUUID(),
    user: id,
    provider: 'test',
    subject: sub,
    email,
    emailVerified: false,
    createdAt: now,
  });
  return id;
}

/** An access token of a live session, as the server signs them, but with an old auth_time. */
function staleToken(accessToken: string, ageSec: number): string {
  const claims = jwt.decode(accessToken) as jwt.JwtPayload;
  const header = jwt.decode(accessToken, { complete: true })!.header;
  const now = Math.floor(Date.now() / 1000);
  const { iat: _iat, exp: _exp, ...rest } = claims;
  return jwt.sign({ ...rest, auth_time: now - ageSec }, TEST_KEYS.access, {
    algorithm: 'HS256',
    keyid: header.kid,
    expiresIn: 600,
  });
}

describe('reclaiming an account an unproven holder used', () => {
  it('a reset by the mailbox owner removes the holder’s sessions, passkey, TOTP and link, and mails the owner', async () => {
    const victim = uniqueEmail('victim');
    const sub = `attacker-${randomUUID()}`;
    await legacyUnprovenAccount(victim, sub);

    // The holder signs in through the provider link, then adds a passkey and TOTP (no password asked).
    const held = await server.gql(ID_TOKEN, { idToken: await idToken(sub, victim, false) });
    expect(held.errors).toBeUndefined();
    const attacker = held.data!.signInWithIdToken as { accessToken: string; refreshToken: string };
    const authenticator = new SoftAuthenticator('localhost', origin);
    await addPasskey(attacker.accessToken, authenticator);
    const started = await server.gql(START_TOTP, {}, { token: attacker.accessToken });
    const secret = started.data!.startTotpEnrollment.secret as string;
    const confirmed = await server.gql(
      CONFIRM_TOTP,
      { code: totpCode(secret) },
      { token: attacker.accessToken },
    );
    expect(confirmed.errors).toBeUndefined();
    expect(codeOf(await passkeySignIn(authenticator))).toBeUndefined();

    // …and links a provider account of their own, whose provider verified *their* address.
    await server.app.orm.em.fork().insert(LinkedAccount, {
      id: randomUUID(),
      user: (await server.app.orm.em.fork().findOneOrFail(User, { email: victim })).id,
      provider: 'elsewhere',
      subject: `attacker-own-${randomUUID()}`,
      email: 'attacker@evil.test',
      emailVerified: true,
      createdAt: new Date(),
    });

    // The owner takes the address back with a reset (once the passkey and TOTP notices are in).
    await server.inbox.waitFor(victim, 2);
    const mailsBefore = server.inbox.for(victim).length;
    const token = await requestResetToken(server, victim);
    const reset = await server.gql(RESET_PASSWORD, { token, newPassword: PASSWORD });
    expect(reset.errors).toBeUndefined();

    // Everything the holder had is gone: tokens, refresh, passkey, TOTP, the provider link.
    expect(codeOf(await server.gql(ME, {}, { token: attacker.accessToken }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(codeOf(await server.gql(REFRESH, { refreshToken: attacker.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
    expect(codeOf(await passkeySignIn(authenticator))).toBe('UNAUTHENTICATED');
    const again = await server.gql(ID_TOKEN, { idToken: await idToken(sub, victim, false) });
    expect(codeOf(again)).toBe('EMAIL_NOT_VERIFIED');

    // The owner signs in with the new password and no foreign second factor.
    const owner = await server.gql(SIGN_IN, { email: victim, password: PASSWORD });
    expect(owner.errors).toBeUndefined();
    const ownerToken = owner.data!.signIn.accessToken as string;
    expect((await server.gql(PASSKEYS, {}, { token: ownerToken })).data!.passkeys).toEqual([]);
    const me = await server.gql(`{ me { mfaEnabled } }`, {}, { token: ownerToken });
    expect(me.data!.me.mfaEnabled).toBe(false);

    // …and is told what went.
    const notice =
      (await server.inbox.waitFor(victim, mailsBefore + 3)) && server.inbox.for(victim);
    const reclaimed = notice.find((m) => m.subject === 'Your account is yours again');
    expect(reclaimed?.text).toMatch(/1 passkey/);
    expect(reclaimed?.text).toMatch(/two-step verification/);
    expect(reclaimed?.text).toMatch(/2 social sign-in links/);
    const links = await server.gql(`{ linkedAccounts { provider } }`, {}, { token: ownerToken });
    expect(links.data!.linkedAccounts).toEqual([]);
    const events = await server.gql(EVENTS, {}, { token: ownerToken });
    expect(events.data!.securityEvents.map((e: { type: string }) => e.type)).toContain(
      'account_reclaimed',
    );
  });

  it('a reset of an account proven by mail keeps its passkeys and second factor', async () => {
    const user = await createActiveUser(server, uniqueEmail('proven'));
    const tokens = await signIn(server, user.email);
    const authenticator = new SoftAuthenticator('localhost', origin);
    await addPasskey(tokens.accessToken, authenticator);
    await server.inbox.waitFor(user.email, 2);
    const token = await requestResetToken(server, user.email);
    expect(
      (await server.gql(RESET_PASSWORD, { token, newPassword: `${PASSWORD} 2` })).errors,
    ).toBeUndefined();
    expect(codeOf(await passkeySignIn(authenticator))).toBeUndefined();
  });
});

describe('adding a way in needs a fresh sign-in', () => {
  it('refuses TOTP, passkey and provider-link enrolment with a token whose auth_time is over 10 minutes old', async () => {
    const user = await createActiveUser(server, uniqueEmail('stale'));
    const fresh = (await signIn(server, user.email)).accessToken;
    const stale = staleToken(fresh, 601);
    // The stale token is otherwise good: it reads `me`.
    expect((await server.gql(ME, {}, { token: stale })).errors).toBeUndefined();
    for (const op of [
      START_TOTP,
      START_REGISTRATION,
      `mutation { startOAuthLink(provider: "test") }`,
    ]) {
      const res = await server.gql(op, {}, { token: stale });
      expect(codeOf(res)).toBe('REAUTHENTICATION_REQUIRED');
      expect((await server.gql(op, {}, { token: staleToken(fresh, 30) })).errors).toBeUndefined();
    }
  });

  it('carries auth_time in every access token, and a refresh keeps it', async () => {
    const user = await createActiveUser(server, uniqueEmail('authtime'));
    const tokens = await signIn(server, user.email);
    const first = jwt.decode(tokens.accessToken) as jwt.JwtPayload;
    expect(Math.abs(first.auth_time - Date.now() / 1000)).toBeLessThan(5);
    await new Promise((r) => setTimeout(r, 1100));
    const refreshed = await server.gql(REFRESH, { refreshToken: tokens.refreshToken });
    const second = jwt.decode(refreshed.data!.refreshToken.accessToken) as jwt.JwtPayload;
    expect(second.auth_time).toBe(first.auth_time);
    expect(second.iat).toBeGreaterThan(first.iat!);
  });
});

describe('accounts without a password', () => {
  async function socialAccount() {
    const email = uniqueEmail('social');
    const res = await server.gql(ID_TOKEN, {
      idToken: await idToken(`social-${randomUUID()}`, email, true),
    });
    expect(res.errors).toBeUndefined();
    return res.data!.signInWithIdToken.accessToken as string;
  }

  it('turn TOTP off with a fresh sign-in instead of a password, and burn no budget', async () => {
    const token = await socialAccount();
    const started = await server.gql(START_TOTP, {}, { token });
    const secret = started.data!.startTotpEnrollment.secret as string;
    expect(
      (await server.gql(CONFIRM_TOTP, { code: totpCode(secret) }, { token })).errors,
    ).toBeUndefined();
    const staleOff = await server.gql(
      DISABLE_TOTP,
      { password: 'anything' },
      { token: staleToken(token, 601) },
    );
    expect(codeOf(staleOff)).toBe('REAUTHENTICATION_REQUIRED');
    const off = await server.gql(`mutation { disableTotp }`, {}, { token });
    expect(off.errors).toBeUndefined();
    expect(off.data!.disableTotp).toBe(true);
  });

  it('cannot delete the last passkey when nothing else signs in', async () => {
    const token = await socialAccount();
    const id = await addPasskey(token, new SoftAuthenticator('localhost', origin));
    // The provider link goes: the passkey is now the only way in.
    expect((await server.gql(UNLINK, {}, { token })).errors).toBeUndefined();
    const refused = await server.gql(DELETE_PASSKEY, { id }, { token });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect((await server.gql(PASSKEYS, {}, { token })).data!.passkeys).toHaveLength(1);
  });
});

describe('MFA tickets end with what ended the sessions', () => {
  it('a ticket issued before a password reset, or before sign-out everywhere, finishes nothing after it', async () => {
    const user = await createActiveUser(server, uniqueEmail('ticket'));
    const { secret } = await enableTotp(server, user.email);
    const ticket = await passwordTicket(server, user.email, PASSWORD);
    const token = await requestResetToken(server, user.email);
    expect(
      (await server.gql(RESET_PASSWORD, { token, newPassword: `${PASSWORD} 3` })).errors,
    ).toBeUndefined();
    const late = await server.gql(COMPLETE, { mfaTicket: ticket, code: totpCode(secret, 1) });
    expect(codeOf(late)).toBe('INVALID_TOKEN');

    const second = await passwordTicket(server, user.email, `${PASSWORD} 3`);
    const other = await server.gql(COMPLETE, { mfaTicket: second, code: totpCode(secret, 1) });
    expect(other.errors).toBeUndefined();
    const third = await passwordTicket(server, user.email, `${PASSWORD} 3`);
    expect(
      (await server.gql(SIGN_OUT_EVERYWHERE, {}, { token: other.data!.completeSignIn.accessToken }))
        .errors,
    ).toBeUndefined();
    const after = await server.gql(COMPLETE, { mfaTicket: third, code: totpCode(secret, -1) });
    expect(codeOf(after)).toBe('INVALID_TOKEN');
  });
});

describe('failed social sign-ins are recorded like every failed sign-in', () => {
  const failures = async () => {
    const res = await fetch(`${server.origin}/metrics`, {
      headers: { authorization: `Bearer ${METRICS}` },
    });
    const labels = { method: 'OAUTH', outcome: 'invalid_credentials' };
    return sample(await res.text(), 'authql_sign_ins_total', labels) ?? 0;
  };

  it('counts a replayed, a forged and an unverified ID token in the metrics', async () => {
    const before = await failures();
    const token = await idToken(`metrics-${randomUUID()}`, uniqueEmail('metrics'), true);
    expect((await server.gql(ID_TOKEN, { idToken: token })).errors).toBeUndefined();
    expect(codeOf(await server.gql(ID_TOKEN, { idToken: token }))).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(ID_TOKEN, { idToken: `${token.slice(0, -4)}AAAA` }))).toBe(
      'INVALID_TOKEN',
    );
    const unverified = await idToken(`metrics-${randomUUID()}`, uniqueEmail('metrics'), false);
    expect(codeOf(await server.gql(ID_TOKEN, { idToken: unverified }))).toBe('EMAIL_NOT_VERIFIED');
    expect((await failures()) - before).toBe(3);
  });
});
