import { existsSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Page,
} from 'playwright-core';
import { SoftAuthenticator } from '../bench/soft-authenticator';
import { startPasskeyExample, type ExampleServer } from '../examples/passkeys/server';
import { PasskeyChallenge } from '../src/passkeys/passkey-challenge.entity';
import { Role } from '../src/users/role';
import { User } from '../src/users/user.entity';
import {
  codeOf,
  createActiveUser,
  DELETE_ACCOUNT,
  PASSWORD,
  SIGN_IN,
  signIn,
  sleep,
  uniqueEmail,
} from './helpers/flows';
import { freePort } from './helpers/inbox';
import { enableTotp } from './helpers/mfa';
import { captureLog } from './helpers/log';
import { PRODUCTION_ENV } from './helpers/production';
import { addPlatformAuthenticator } from './helpers/webauthn';
import { startTestServer, type TestServer } from './helpers/server';

// Passkeys end to end: Debian's chromium (playwright-core) with the DevTools virtual authenticator,
// driving examples/passkeys on an origin listed in WEBAUTHN_ORIGINS, and a copy on one that is not.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const PASSKEYS = `{ passkeys { id name createdAt lastUsedAt } }`;
const START_REGISTRATION = `mutation { startPasskeyRegistration { challengeId options } }`;
const FINISH_REGISTRATION = `mutation ($challengeId: ID!, $response: JSON!, $name: String) {
  finishPasskeyRegistration(challengeId: $challengeId, response: $response, name: $name) { id name }
}`;
const START_SIGN_IN = `mutation ($email: String) { startPasskeySignIn(email: $email) { challengeId options } }`;
const FINISH_SIGN_IN = `mutation ($challengeId: ID!, $response: JSON!) {
  finishPasskeySignIn(challengeId: $challengeId, response: $response) { accessToken user { email } }
}`;

let server: TestServer;
let example: ExampleServer; // on WEBAUTHN_ORIGINS
let foreign: ExampleServer; // the same page on another port: not listed
let browser: Browser;
const { logger, lines: logLines } = captureLog('info');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the passkey tests need a real browser. ` +
        'Install it with `apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.',
    );
  }
  const port = await freePort();
  [server, browser] = await Promise.all([
    startTestServer(
      {
        WEBAUTHN_RP_ID: 'localhost',
        WEBAUTHN_ORIGINS: `http://localhost:${port}`,
        HOUSEKEEPING_INTERVAL: '1s',
      },
      { logger },
    ),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    }),
  ]);
  example = await startPasskeyExample({ graphqlUrl: server.url, port });
  foreign = await startPasskeyExample({ graphqlUrl: server.url });
});
afterAll(async () => {
  await browser?.close();
  await example?.close();
  await foreign?.close();
  await server?.close();
});

interface Device {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/** A browser profile with a platform authenticator that holds passkeys and verifies its user. */
async function openDevice(origin: string): Promise<Device> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const { cdp, authenticatorId } = await addPlatformAuthenticator(context, page);
  await page.goto(origin);
  return { context, page, cdp, authenticatorId };
}

/** Clicks one of the example's buttons and waits for its status line. */
async function press(page: Page, id: string): Promise<{ state: string; text: string }> {
  await page.click(`#${id}`);
  // Runs in the page (no DOM types in this tsconfig): the status line leaves 'busy' when done.
  await page.waitForSelector('#status:not([data-state="busy"])');
  return {
    state: (await page.getAttribute('#status', 'data-state'))!,
    text: (await page.textContent('#status'))!,
  };
}

async function signInWithPassword(page: Page, email: string, password: string): Promise<string> {
  await page.fill('#email', email);
  await page.fill('#password', password);
  expect(await press(page, 'sign-in-password')).toEqual({
    state: 'ok',
    text: 'Signed in with your password.',
  });
  return page.evaluate(() => (globalThis as any).passkeyDemo.session.accessToken as string);
}

/** Forgets the page's session, so what follows proves itself. */
const signOutLocally = (page: Page) =>
  page.evaluate(() => {
    (globalThis as any).passkeyDemo.session = null;
  });

const pageSession = (page: Page) =>
  page.evaluate(() => (globalThis as any).passkeyDemo.session as { accessToken: string } | null);

const lastCeremony = (page: Page) =>
  page.evaluate(
    () =>
      (globalThis as any).passkeyDemo.last as { kind: string; challengeId: string; response: any },
  );

/** An account with one passkey made in a browser on the listed origin. */
async function userWithPasskey(name = 'Laptop') {
  const user = await createActiveUser(server, uniqueEmail('passkey'));
  const device = await openDevice(example.origin);
  const token = await signInWithPassword(device.page, user.email, user.password);
  await device.page.fill('#passkey-name', name);
  expect(await press(device.page, 'add-passkey')).toEqual({
    state: 'ok',
    text: `Passkey "${name}" added.`,
  });
  return { ...user, device, token };
}

/** The reason logged with the newest line carrying `message` (the client only sees a generic error). */
function logReason(message: string): string {
  const line = [...logLines].reverse().find((l) => l.includes(`"msg":"${message}"`));
  return line ? (JSON.parse(line) as { reason: string }).reason : '(no such log line)';
}

const amrOf = (accessToken: string) => (jwt.decode(accessToken) as { amr: string[] }).amr;

describe('passkeys in a real browser', () => {
  it('registers a passkey (mailed to the owner), then signs in with the email and without it', async () => {
    const { email, device, token } = await userWithPasskey('Laptop');
    const { page } = device;
    const mail = await server.inbox.waitFor(email, 2);
    expect(mail.subject).toBe('A passkey was added to your account');

    const listed = await server.gql(PASSKEYS, {}, { token });
    expect(listed.data!.passkeys).toEqual([
      { id: expect.any(String), name: 'Laptop', createdAt: expect.any(String), lastUsedAt: null },
    ]);
    // The authenticator holds a discoverable credential bound to the RP ID.
    const { credentials } = await device.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: device.authenticatorId,
    });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true });

    // With the email (its passkeys allowed), then without (the browser offers the discoverable one).
    for (const button of ['sign-in-passkey-email', 'sign-in-passkey']) {
      await signOutLocally(page);
      expect(await press(page, button)).toEqual({ state: 'ok', text: 'Signed in with a passkey.' });
      const { accessToken } = (await pageSession(page))!;
      expect(amrOf(accessToken)).toEqual(['hwk', 'user']);
      const me = await server.gql('{ me { email } }', {}, { token: accessToken });
      expect(me.data).toEqual({ me: { email } });
    }

    const after = await server.gql(PASSKEYS, {}, { token });
    expect(Date.parse(after.data!.passkeys[0].lastUsedAt)).toBeGreaterThan(0);
    await device.context.close();
  });

  it('refuses a replayed registration, a replayed sign-in, and an old assertion on a new challenge', async () => {
    const { device, token } = await userWithPasskey();
    const registration = await lastCeremony(device.page);
    expect(registration.kind).toBe('registration');
    const again = await server.gql(
      FINISH_REGISTRATION,
      { challengeId: registration.challengeId, response: registration.response },
      { token },
    );
    expect(codeOf(again)).toBe('INVALID_TOKEN');

    await signOutLocally(device.page);
    expect((await press(device.page, 'sign-in-passkey')).state).toBe('ok');
    const assertion = await lastCeremony(device.page);
    expect(assertion.kind).toBe('authentication');
    const replayed = await server.gql(FINISH_SIGN_IN, {
      challengeId: assertion.challengeId,
      response: assertion.response,
    });
    expect(codeOf(replayed)).toBe('INVALID_TOKEN');
    expect(replayed.data).toBeNull();

    // A fresh challenge does not make an old signature new: it signed another challenge.
    const start = await server.gql(START_SIGN_IN, {});
    const onNewChallenge = await server.gql(FINISH_SIGN_IN, {
      challengeId: start.data!.startPasskeySignIn.challengeId,
      response: assertion.response,
    });
    expect(codeOf(onNewChallenge)).toBe('UNAUTHENTICATED');
    expect(onNewChallenge.data).toBeNull();
    await device.context.close();
  });

  it('refuses a response from an origin not in WEBAUTHN_ORIGINS, for registration and sign-in', async () => {
    const { email, password, device, token } = await userWithPasskey();
    const { credentials } = await device.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: device.authenticatorId,
    });
    await device.context.close();

    // A page whose origin the browser accepts for the RP ID (localhost, another port), not listed.
    const elsewhere = await openDevice(foreign.origin);
    await signInWithPassword(elsewhere.page, email, password);
    expect(await press(elsewhere.page, 'add-passkey')).toEqual({
      state: 'error',
      text: 'BAD_USER_INPUT: The passkey could not be verified: start again.',
    });
    expect(logReason('passkey registration refused')).toMatch(`origin "${foreign.origin}"`);

    await elsewhere.context.close();

    // The passkey registered on the listed origin, copied there (a counter ahead, so only the origin is wrong).
    const copy = await openDevice(foreign.origin);
    await copy.cdp.send('WebAuthn.addCredential', {
      authenticatorId: copy.authenticatorId,
      credential: { ...credentials[0]!, signCount: 1000 },
    });
    await copy.page.fill('#email', email);
    expect(await press(copy.page, 'sign-in-passkey-email')).toEqual({
      state: 'error',
      text: 'UNAUTHENTICATED: Passkey sign-in failed.',
    });
    expect(logReason('sign-in failed')).toMatch(`origin "${foreign.origin}"`);
    expect(await pageSession(copy.page)).toBeNull();

    const listed = await server.gql(PASSKEYS, {}, { token });
    expect(listed.data!.passkeys).toHaveLength(1);
    await copy.context.close();
  });

  it('refuses a signature counter that went backwards (a cloned authenticator)', async () => {
    const { device } = await userWithPasskey();
    await signOutLocally(device.page);
    expect((await press(device.page, 'sign-in-passkey')).state).toBe('ok');
    const { credentials } = await device.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: device.authenticatorId,
    });
    expect(credentials[0]!.signCount).toBeGreaterThanOrEqual(2);
    await device.context.close();

    const clone = await openDevice(example.origin);
    await clone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.authenticatorId,
      credential: { ...credentials[0]!, signCount: 0 },
    });
    expect(await press(clone.page, 'sign-in-passkey')).toEqual({
      state: 'error',
      text: 'UNAUTHENTICATED: Passkey sign-in failed.',
    });
    expect(logReason('sign-in failed')).toMatch(/counter value 1 was lower than expected/);
    // Moved forward past the stored value, the same key signs in again: only going back is refused.
    await clone.cdp.send('WebAuthn.removeCredential', {
      authenticatorId: clone.authenticatorId,
      credentialId: credentials[0]!.credentialId,
    });
    await clone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.authenticatorId,
      credential: { ...credentials[0]!, signCount: credentials[0]!.signCount + 5 },
    });
    expect((await press(clone.page, 'sign-in-passkey')).state).toBe('ok');
    await clone.context.close();
  });

  it('deletes a passkey (mailed to the owner); signing in with it then fails', async () => {
    const { email, device, token } = await userWithPasskey('Old phone');
    await server.inbox.waitFor(email, 2);
    await device.page.click('#passkeys li button');
    await device.page.waitForSelector('#status:text-is("Passkey \\"Old phone\\" removed.")');
    const mail = await server.inbox.waitFor(email, 3);
    expect(mail.subject).toBe('A passkey was removed from your account');
    expect((await server.gql(PASSKEYS, {}, { token })).data!.passkeys).toEqual([]);

    await signOutLocally(device.page);
    // The authenticator still offers it; the server no longer knows it.
    expect(await press(device.page, 'sign-in-passkey')).toEqual({
      state: 'error',
      text: 'UNAUTHENTICATED: Passkey sign-in failed.',
    });
    expect(await pageSession(device.page)).toBeNull();
    await device.context.close();
  });
  it("refuses another account's passkey on a sign-in started for one address; nobody deletes another's passkey", async () => {
    const alice = await userWithPasskey('Alice laptop');
    const bob = await userWithPasskey('Bob laptop');
    await bob.device.context.close();
    // Alice's browser answers a challenge started for Bob's address with her own passkey.
    const answer = await alice.device.page.evaluate(async (bobEmail) => {
      const post = async (query: string, variables: Record<string, unknown>) =>
        (await (
          await fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables }),
          })
        ).json()) as any;
      const started = await post(
        'mutation ($email: String) { startPasskeySignIn(email: $email) { challengeId options } }',
        { email: bobEmail },
      );
      const { challengeId, options } = started.data.startPasskeySignIn;
      const response = await (globalThis as any).SimpleWebAuthnBrowser.startAuthentication({
        optionsJSON: { ...options, allowCredentials: [] },
      });
      return post(
        'mutation ($c: ID!, $r: JSON!) { finishPasskeySignIn(challengeId: $c, response: $r) { accessToken } }',
        { c: challengeId, r: response },
      );
    }, bob.email);
    expect(answer.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(logReason('sign-in failed')).toBe('credential of another account than the email named');

    const [alicePasskey] = (await server.gql(PASSKEYS, {}, { token: alice.token })).data!.passkeys;
    const byBob = await server.gql(
      `mutation ($id: ID!) { deletePasskey(id: $id) }`,
      { id: alicePasskey.id },
      { token: bob.token },
    );
    expect(codeOf(byBob)).toBe('BAD_USER_INPUT');
    expect((await server.gql(PASSKEYS, {}, { token: alice.token })).data!.passkeys).toHaveLength(1);
    await alice.device.context.close();
  });
});

describe('passkey API', () => {
  // A software authenticator (bench/soft-authenticator.ts) answers as a browser on the listed origin would.
  const soft = () => new SoftAuthenticator('localhost', example.origin);
  async function register(token: string, authenticator: SoftAuthenticator, on = server) {
    const started = await on.gql(START_REGISTRATION, {}, { token });
    const { challengeId, options } = started.data!.startPasskeyRegistration;
    return on.gql(
      FINISH_REGISTRATION,
      { challengeId, response: authenticator.create(options) },
      { token },
    );
  }
  async function signInWith(authenticator: SoftAuthenticator) {
    const started = await server.gql(START_SIGN_IN, {});
    const { challengeId, options } = started.data!.startPasskeySignIn;
    return server.gql(FINISH_SIGN_IN, { challengeId, response: authenticator.get(options) });
  }
  async function tokenOf(label: string, on = server) {
    const user = await createActiveUser(on, uniqueEmail(label));
    return { ...user, token: (await signIn(on, user.email)).accessToken };
  }

  it('refuses a passkey without user verification, at registration and at sign-in', async () => {
    const { token } = await tokenOf('nouv');
    const authenticator = soft();
    authenticator.userVerified = false;
    expect(codeOf(await register(token, authenticator))).toBe('BAD_USER_INPUT');
    expect(logReason('passkey registration refused')).toMatch(/user could not be verified/);

    authenticator.userVerified = true;
    expect((await register(token, authenticator)).errors).toBeUndefined();
    expect(codeOf(await signInWith(authenticator))).toBeUndefined();
    authenticator.userVerified = false;
    expect(codeOf(await signInWith(authenticator))).toBe('UNAUTHENTICATED');
    expect(logReason('sign-in failed')).toMatch(/user could not be verified/);
  });

  it('lets a credential id belong to one account only', async () => {
    const alice = await tokenOf('first-owner');
    const bob = await tokenOf('second-owner');
    const authenticator = soft();
    expect((await register(alice.token, authenticator)).errors).toBeUndefined();
    const signedIn = await signInWith(authenticator);
    expect(signedIn.data!.finishPasskeySignIn.user.email).toBe(alice.email);
    const again = await register(bob.token, authenticator);
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0]!.message).toBe('This passkey is already registered.');
    expect((await server.gql(PASSKEYS, {}, { token: bob.token })).data!.passkeys).toEqual([]);
    expect((await server.gql(PASSKEYS, {}, { token: alice.token })).data!.passkeys).toHaveLength(1);
  });

  it('deleting the account deletes its passkeys: they sign in no more', async () => {
    const { token, password } = await tokenOf('leaving');
    const authenticator = soft();
    expect((await register(token, authenticator)).errors).toBeUndefined();
    const deleted = await server.gql(DELETE_ACCOUNT, { password }, { token });
    expect(deleted.data).toEqual({ deleteAccount: true });
    expect(codeOf(await signInWith(authenticator))).toBe('UNAUTHENTICATED');
    expect(logReason('sign-in failed')).toBe('unknown credential');
  });

  it('writes security events for passkeys added, removed and refused; signs in as method PASSKEY', async () => {
    const { token } = await tokenOf('events');
    const kept = soft();
    const removed = soft();
    expect((await register(token, kept)).errors).toBeUndefined();
    const added = await register(token, removed);
    const removedId = added.data!.finishPasskeyRegistration.id;
    const gone = await server.gql(
      `mutation ($id: ID!) { deletePasskey(id: $id) }`,
      { id: removedId },
      { token },
    );
    expect(gone.data).toEqual({ deletePasskey: true });
    expect(codeOf(await signInWith(kept))).toBeUndefined();
    kept.userVerified = false;
    expect(codeOf(await signInWith(kept))).toBe('UNAUTHENTICATED');

    const events = await server.gql(`{ securityEvents { type method } }`, {}, { token });
    expect(events.data!.securityEvents).toEqual([
      { type: 'sign_in_failed', method: 'PASSKEY' },
      { type: 'signed_in', method: 'PASSKEY' },
      { type: 'passkey_removed', method: null },
      { type: 'passkey_added', method: null },
      { type: 'passkey_added', method: null },
      { type: 'signed_in', method: 'PASSWORD' },
      expect.objectContaining({ type: 'activated' }),
      expect.objectContaining({ type: 'signed_up' }),
    ]);
  });

  it('needs no second-factor ticket after a passkey: an account with TOTP on signs in with amr ["hwk","user"]', async () => {
    const owner = await tokenOf('passkey-totp');
    const authenticator = soft();
    expect((await register(owner.token, authenticator)).errors).toBeUndefined();
    await enableTotp(server, owner.email);
    // Control: the password alone now asks for the second factor.
    expect(codeOf(await server.gql(SIGN_IN, { email: owner.email, password: PASSWORD }))).toBe(
      'MFA_REQUIRED',
    );
    const res = await signInWith(authenticator);
    expect(res.errors).toBeUndefined();
    expect(amrOf(res.data!.finishPasskeySignIn.accessToken)).toEqual(['hwk', 'user']);
  });

  it('says what kind of key signed in: a synced (backed-up) passkey gives amr ["swk","user"], still two factors', async () => {
    const owner = await tokenOf('passkey-synced');
    const synced = soft();
    synced.backedUp = true;
    const deviceBound = soft();
    expect((await register(owner.token, synced)).errors).toBeUndefined();
    expect((await register(owner.token, deviceBound)).errors).toBeUndefined();
    await enableTotp(server, owner.email);
    const viaSynced = await signInWith(synced);
    expect(viaSynced.errors).toBeUndefined();
    expect(amrOf(viaSynced.data!.finishPasskeySignIn.accessToken)).toEqual(['swk', 'user']);
    const viaDevice = await signInWith(deviceBound);
    expect(viaDevice.errors).toBeUndefined();
    expect(amrOf(viaDevice.data!.finishPasskeySignIn.accessToken)).toEqual(['hwk', 'user']);
  });

  it('refuses a disabled account its passkey (ACCOUNT_DISABLED)', async () => {
    const owner = await tokenOf('disabled');
    const authenticator = soft();
    expect((await register(owner.token, authenticator)).errors).toBeUndefined();
    const admin = await createActiveUser(server, uniqueEmail('admin'));
    await server.app.orm.em.fork().nativeUpdate(User, { id: admin.id }, { role: Role.ADMIN });
    const adminToken = (await signIn(server, admin.email)).accessToken;
    const disabled = await server.gql(
      `mutation ($id: ID!) { disableUser(id: $id) { disabled } }`,
      { id: owner.id },
      { token: adminToken },
    );
    expect(disabled.data).toEqual({ disableUser: { disabled: true } });
    const refused = await signInWith(authenticator);
    expect(codeOf(refused)).toBe('ACCOUNT_DISABLED');
    expect(refused.data).toBeNull();
  });

  it('spends a sign-in challenge once when answers race', async () => {
    const { token } = await tokenOf('race');
    const authenticator = soft();
    expect((await register(token, authenticator)).errors).toBeUndefined();
    const started = await server.gql(START_SIGN_IN, {});
    const { challengeId, options } = started.data!.startPasskeySignIn;
    const response = authenticator.get(options);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => server.gql(FINISH_SIGN_IN, { challengeId, response })),
    );
    expect(results.filter((r) => r.data?.finishPasskeySignIn).length).toBe(1);
    expect(results.filter((r) => codeOf(r) === 'INVALID_TOKEN').length).toBe(7);
  });

  it('holds at most 20 passkeys per account and checks names', async () => {
    const { token } = await tokenOf('many');
    for (let i = 0; i < 20; i++) expect((await register(token, soft())).errors).toBeUndefined();
    const listed = (await server.gql(PASSKEYS, {}, { token })).data!.passkeys;
    expect(listed.map((p: { name: string }) => p.name).slice(0, 3)).toEqual([
      'Passkey 1',
      'Passkey 2',
      'Passkey 3',
    ]);
    const full = await server.gql(START_REGISTRATION, {}, { token });
    expect(codeOf(full)).toBe('BAD_USER_INPUT');

    const other = await tokenOf('names');
    for (const name of ['x'.repeat(65), 'two\nlines', 'tab\there']) {
      const started = await server.gql(START_REGISTRATION, {}, { token: other.token });
      const res = await server.gql(
        FINISH_REGISTRATION,
        { challengeId: started.data!.startPasskeyRegistration.challengeId, response: {}, name },
        { token: other.token },
      );
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
  });

  it('binds a registration challenge to its user, spends it once, and lets it expire', async () => {
    const alice = await createActiveUser(server, uniqueEmail('alice'));
    const bob = await createActiveUser(server, uniqueEmail('bob'));
    const aliceToken = (await signIn(server, alice.email)).accessToken;
    const bobToken = (await signIn(server, bob.email)).accessToken;

    const started = await server.gql(START_REGISTRATION, {}, { token: aliceToken });
    const { challengeId, options } = started.data!.startPasskeyRegistration;
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'authql' },
      user: { name: alice.email },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
      timeout: 300000,
    });
    const byBob = await server.gql(
      FINISH_REGISTRATION,
      { challengeId, response: { id: 'x' } },
      { token: bobToken },
    );
    expect(codeOf(byBob)).toBe('INVALID_TOKEN');
    // A failed attempt spends the challenge too.
    const bad = await server.gql(
      FINISH_REGISTRATION,
      { challengeId, response: { id: 'x' } },
      { token: aliceToken },
    );
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const second = await server.gql(
      FINISH_REGISTRATION,
      { challengeId, response: { id: 'x' } },
      { token: aliceToken },
    );
    expect(codeOf(second)).toBe('INVALID_TOKEN');

    const late = await server.gql(START_REGISTRATION, {}, { token: aliceToken });
    await server.app.orm.em
      .fork()
      .nativeUpdate(
        PasskeyChallenge,
        { id: late.data!.startPasskeyRegistration.challengeId },
        { expiresAt: new Date(Date.now() - 1000) },
      );
    const expired = await server.gql(
      FINISH_REGISTRATION,
      { challengeId: late.data!.startPasskeyRegistration.challengeId, response: { id: 'x' } },
      { token: aliceToken },
    );
    expect(codeOf(expired)).toBe('INVALID_TOKEN');

    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      const unknown = await server.gql(
        FINISH_REGISTRATION,
        { challengeId: id, response: {} },
        { token: aliceToken },
      );
      expect(codeOf(unknown)).toBe('INVALID_TOKEN');
    }
  });

  it('leaves used and expired challenges to housekeeping, and keeps live ones', async () => {
    const start = async () =>
      (await server.gql(START_SIGN_IN, {})).data!.startPasskeySignIn.challengeId as string;
    const [live, used, expired] = [await start(), await start(), await start()];
    expect(codeOf(await server.gql(FINISH_SIGN_IN, { challengeId: used, response: {} }))).toBe(
      'UNAUTHENTICATED',
    );
    const em = () => server.app.orm.em.fork();
    await em().nativeUpdate(PasskeyChallenge, { id: expired }, { expiresAt: new Date(0) });
    const deadline = Date.now() + 8000;
    while ((await em().count(PasskeyChallenge, { id: { $in: [used, expired] } })) > 0) {
      if (Date.now() > deadline) throw new Error('housekeeping did not run in time');
      await sleep(200);
    }
    expect(await em().count(PasskeyChallenge, { id: live })).toBe(1);
  });

  it('answers an unknown address like an account without passkeys, and its challenge never finishes', async () => {
    const known = await createActiveUser(server, uniqueEmail('nopasskey'));
    const ask = async (email: string) =>
      (await server.gql(START_SIGN_IN, { email })).data!.startPasskeySignIn;
    const unknownEmail = uniqueEmail('nobody');
    const [a, b, c] = [await ask(known.email), await ask(unknownEmail), await ask(unknownEmail)];
    for (const answer of [a, b]) {
      expect(Object.keys(answer.options).sort()).toEqual(
        ['allowCredentials', 'challenge', 'rpId', 'timeout', 'userVerification'].sort(),
      );
      expect(answer.options.allowCredentials).toHaveLength(1);
      expect(answer.options.userVerification).toBe('required');
    }
    // Stable per address (asking twice shows nothing new), different between addresses.
    expect(c.options.allowCredentials).toEqual(b.options.allowCredentials);
    expect(a.options.allowCredentials).not.toEqual(b.options.allowCredentials);
    const finish = await server.gql(FINISH_SIGN_IN, {
      challengeId: b.challengeId,
      response: { id: b.options.allowCredentials[0].id },
    });
    expect(codeOf(finish)).toBe('UNAUTHENTICATED');

    const discoverable = await server.gql(START_SIGN_IN, {});
    expect(discoverable.data!.startPasskeySignIn.options.allowCredentials).toEqual([]);
    expect(codeOf(await server.gql(START_SIGN_IN, { email: 'not an email' }))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('finishes a sign-in for an unknown address, one without passkeys and one with passkeys alike', async () => {
    // A security property: checked as deployed (production mode), on a server of its own.
    const prod = await startTestServer({
      ...PRODUCTION_ENV,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: example.origin,
    });
    try {
      const holder = await tokenOf('holder', prod);
      expect((await register(holder.token, soft(), prod)).errors).toBeUndefined();
      const without = await createActiveUser(prod, uniqueEmail('without'));
      // The asker's own passkey: a stand-in challenge must refuse it as a real one for another account does.
      const asker = await tokenOf('asker', prod);
      const own = soft();
      expect((await register(asker.token, own, prod)).errors).toBeUndefined();
      const nobodys = soft();
      const answers: unknown[] = [];
      for (const email of [uniqueEmail('unknown'), without.email, holder.email]) {
        for (const authenticator of [nobodys, own]) {
          const started = await prod.gql(START_SIGN_IN, { email });
          const { challengeId, options } = started.data!.startPasskeySignIn;
          const response = authenticator.get(options);
          const first = await prod.gql(FINISH_SIGN_IN, { challengeId, response });
          const again = await prod.gql(FINISH_SIGN_IN, { challengeId, response });
          answers.push({
            data: first.data,
            code: codeOf(first),
            message: first.errors?.[0]?.message,
            again: codeOf(again),
          });
        }
      }
      expect(answers).toEqual(
        Array(6).fill({
          data: null,
          code: 'UNAUTHENTICATED',
          message: 'Passkey sign-in failed.',
          again: 'INVALID_TOKEN',
        }),
      );
    } finally {
      await prod.close();
    }
  });

  it('keeps passkey mutations and the list behind a signed-in user', async () => {
    for (const query of [PASSKEYS, START_REGISTRATION]) {
      expect(codeOf(await server.gql(query))).toBe('UNAUTHENTICATED');
    }
    const deleted = await server.gql(`mutation { deletePasskey(id: "x") }`);
    expect(codeOf(deleted)).toBe('UNAUTHENTICATED');
    const user = await createActiveUser(server, uniqueEmail('nodelete'));
    const { accessToken } = await signIn(server, user.email);
    for (const id of ['x', '00000000-0000-4000-8000-000000000000']) {
      const res = await server.gql(
        `mutation ($id: ID!) { deletePasskey(id: $id) }`,
        { id },
        {
          token: accessToken,
        },
      );
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
  });
});
