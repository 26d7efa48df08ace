import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { User } from '../src/users/user.entity';
import { createAdmin } from './helpers/admin';
import {
  codeOf,
  createActiveUser,
  REFRESH,
  SIGN_IN,
  signIn,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import { freePort } from './helpers/inbox';
import { awayFromStepEdge, enableTotp, mailCode, totpCode } from './helpers/mfa';
import { PRODUCTION_ENV } from './helpers/production';
import { addPlatformAuthenticator } from './helpers/webauthn';
import { startTestServer, type TestServer } from './helpers/server';
import { staleTokens } from './helpers/stale';

// The admin console at /admin, in Debian's chromium against the real server: sign-in (password,
// TOTP, passkey), a USER refused, search, a user's page, each action with its confirmation and the
// security event it leaves, the fresh sign-in the API demands, the CSP, no request leaving the
// server, and the production switch.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STORAGE_KEY = 'authql-admin-console';

let server: TestServer;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  const port = await freePort();
  // localhost, not 127.0.0.1: WebAuthn wants a domain for its RP ID.
  origin = `http://localhost:${port}`;
  [server, browser] = await Promise.all([
    startTestServer({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: origin }, { port }),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Console {
  context: BrowserContext;
  tab: Page;
  /** Every URL the page asked for, in order. */
  requests: string[];
  /** Console messages of the page (a CSP refusal shows here). */
  messages: string[];
}

async function openConsole(
  options: { viewport?: { width: number; height: number }; at?: string } = {},
): Promise<Console> {
  const context = await browser.newContext({ viewport: options.viewport });
  const tab = await context.newPage();
  const requests: string[] = [];
  const messages: string[] = [];
  tab.on('request', (r) => requests.push(r.url()));
  tab.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  tab.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  await tab.goto(`${options.at ?? origin}/admin`);
  return { context, tab, requests, messages };
}

async function signInWithPassword(tab: Page, email: string, password: string): Promise<void> {
  await tab.getByLabel('Email').fill(email);
  await tab.getByLabel('Password').fill(password);
  await tab.getByRole('button', { name: 'Sign in' }).click();
}

async function openUser(tab: Page, email: string): Promise<void> {
  await tab.getByLabel('Search users').fill(email);
  await tab.getByRole('link', { name: email }).click();
  await tab.getByRole('heading', { name: email }).waitFor();
}

/** The user's page row of facts: dt → dd. */
const fact = (tab: Page, name: string) =>
  tab.locator('dl.facts dt', { hasText: name }).locator('xpath=following-sibling::dd[1]');

/** What the console keeps in the browser's localStorage (null once signed out). */
const storedSession = (tab: Page) =>
  tab.evaluate(
    (key) => (globalThis as any).localStorage.getItem(key) as string | null,
    STORAGE_KEY,
  );

describe('the admin console', () => {
  it('is a page of this server: a CSP without unsafe-inline, script and style from /admin', async () => {
    const res = await fetch(`${origin}/admin`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    // No inline script or style: every one has a src/href on this server.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc="\/admin\/)/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    const js = await fetch(`${origin}/admin/console.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('content-security-policy')).toBe(csp);
    expect((await fetch(`${origin}/admin/console.css`)).headers.get('content-type')).toMatch(
      /^text\/css/,
    );
  });

  it('signs an admin in, searches, shows a user page, and makes no request off this server', async () => {
    const admin = await createAdmin(server);
    const target = await createActiveUser(server, uniqueEmail('target'));
    // Something to see on the target's page: a session (with its user agent) and an organization.
    const tokens = await signIn(server, target.email);
    const org = await server.gql(
      `mutation ($name: String!) { createOrganization(name: $name) { id slug } }`,
      { name: `Acme ${target.id.slice(0, 8)}` },
      { token: tokens.accessToken },
    );
    expect(org.errors).toBeUndefined();

    const { context, tab, requests, messages } = await openConsole();
    await signInWithPassword(tab, admin.email, admin.password);
    await tab.getByRole('button', { name: 'Sign out' }).waitFor();
    await tab.getByLabel('Search users').fill(target.email.slice(0, -12));
    const row = tab.getByRole('row').filter({ hasText: target.email });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/USER\s+Active/);

    await tab.getByRole('link', { name: target.email }).click();
    await tab.getByRole('heading', { name: target.email }).waitFor();
    await expect(fact(tab, 'Role').innerText()).resolves.toBe('USER');
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Active');
    await expect(fact(tab, 'Passkeys').innerText()).resolves.toBe('0');
    await expect(tab.getByRole('heading', { name: 'Sessions (1)' }).isVisible()).resolves.toBe(
      true,
    );
    await expect(tab.getByRole('heading', { name: 'Organizations (1)' }).isVisible()).resolves.toBe(
      true,
    );
    expect(await tab.getByRole('cell', { name: org.data!.createOrganization.slug }).count()).toBe(
      1,
    );
    // Sign-up, activation, sign-in, the organization: newest first.
    const events = await tab.locator('section', { hasText: 'Security events' }).innerText();
    expect(events).toMatch(/organization_created[\s\S]*signed_in[\s\S]*activated/);

    // A reload keeps the session and the page.
    await tab.reload();
    await tab.getByRole('heading', { name: target.email }).waitFor();

    expect(requests.length).toBeGreaterThan(3);
    expect(
      requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:')),
    ).toEqual([]);
    expect(messages.filter((m) => /error|refused|violat/i.test(m))).toEqual([]);
    await context.close();
  });

  it('tells a USER "Administrators only." and shows nothing else', async () => {
    const user = await createActiveUser(server, uniqueEmail('plain'));
    const { context, tab } = await openConsole();
    await signInWithPassword(tab, user.email, user.password);
    await tab.getByText('Administrators only.').waitFor();
    expect(await tab.getByLabel('Search users').count()).toBe(0);
    expect(await tab.getByRole('table').count()).toBe(0);
    expect(await tab.locator('#app').innerText()).toMatch(/^Administrators only\.\s+Sign out$/);
    await context.close();
  });

  it('asks before each action, then shows the change and its security event', async () => {
    const admin = await createAdmin(server);
    const target = await createActiveUser(server, uniqueEmail('acted-on'));
    const { context, tab } = await openConsole();
    const questions: string[] = [];
    let answer = false;
    tab.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    await signInWithPassword(tab, admin.email, admin.password);
    await openUser(tab, target.email);

    // Cancelled: nothing changes.
    await tab.getByRole('button', { name: 'Disable' }).click();
    expect(questions).toEqual([expect.stringContaining(`Disable ${target.email}?`)]);
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Active');
    expect(
      codeOf(await server.gql(SIGN_IN, { email: target.email, password: target.password })),
    ).toBeUndefined();

    answer = true;
    await tab.getByRole('button', { name: 'Disable' }).click();
    await tab.getByText('Sign-in is now blocked.').waitFor();
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Disabled');
    await expect(eventsOf(tab)).resolves.toMatch(/^\S.*\s+disabled\b/m);
    expect(
      codeOf(await server.gql(SIGN_IN, { email: target.email, password: target.password })),
    ).toBe('ACCOUNT_DISABLED');

    await tab.getByRole('button', { name: 'Enable' }).click();
    await tab.getByText('Sign-in is allowed again.').waitFor();
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Active');

    await tab.getByRole('button', { name: 'Make admin' }).click();
    await tab.getByRole('button', { name: 'Make user' }).waitFor();
    await expect(fact(tab, 'Role').innerText()).resolves.toBe('ADMIN');
    await expect(eventsOf(tab)).resolves.toMatch(/role_changed/);

    await tab.getByRole('button', { name: 'Make user' }).click();
    await tab.getByRole('button', { name: 'Make admin' }).waitFor();
    await expect(fact(tab, 'Role').innerText()).resolves.toBe('USER');

    const live = await signIn(server, target.email);
    await tab.reload();
    await tab.getByRole('heading', { name: 'Sessions (1)' }).waitFor();
    await tab.getByRole('button', { name: 'End all sessions' }).click();
    await tab.getByText('Signed out everywhere.').waitFor();
    await tab.getByRole('heading', { name: 'Sessions (0)' }).waitFor();
    const refreshed = await server.gql(REFRESH, { refreshToken: live.refreshToken });
    expect(codeOf(refreshed)).toBe('INVALID_TOKEN');

    expect(questions).toHaveLength(6);
    // The actor of each change is the admin.
    const audit = await server.gql(
      `query ($id: ID!) { userSecurityEvents(userId: $id, limit: 10) { type actorId } }`,
      { id: target.id },
      { token: admin.token },
    );
    expect(audit.data!.userSecurityEvents.filter((e: any) => e.type === 'disabled')).toEqual([
      { type: 'disabled', actorId: admin.id },
    ]);
    await context.close();
  });

  it('signs the operator out at once after ending their own sessions or making themselves a user', async () => {
    // Another admin, so the last-admin guard does not refuse the demotion.
    await createAdmin(server, 'other-admin');
    for (const action of ['End all sessions', 'Make user']) {
      const admin = await createAdmin(server);
      const { context, tab } = await openConsole();
      tab.on('dialog', (dialog) => void dialog.accept());
      await signInWithPassword(tab, admin.email, admin.password);
      await openUser(tab, admin.email);
      await tab.getByRole('button', { name: action }).click();
      await tab.getByText('Your session has ended. Sign in again.').waitFor();
      await tab.getByRole('button', { name: 'Sign in' }).waitFor();
      await expect(storedSession(tab)).resolves.toBeNull();
      await context.close();
    }
  });

  it('asks for the password again when the sign-in is older than the action allows', async () => {
    const admin = await createAdmin(server, 'stale-admin');
    const target = await createActiveUser(server, uniqueEmail('stale-target'));
    // A session signed in 20 minutes ago (disableUser wants 15).
    const tokens = await staleTokens(server, await signIn(server, admin.email), 20 * 60);
    const stale = tokens.accessToken;
    const refused = await server.gql(
      `mutation ($id: ID!) { disableUser(id: $id) { id } }`,
      { id: target.id },
      { token: stale },
    );
    expect(codeOf(refused)).toBe('REAUTHENTICATION_REQUIRED');
    const { context, tab } = await consoleWith(tokens);
    tab.on('dialog', (dialog) => void dialog.accept());
    await openUser(tab, target.email);
    await tab.getByRole('button', { name: 'Disable' }).click();
    const dialog = tab.getByRole('dialog', { name: 'Confirm it’s you' });
    await dialog.waitFor();
    await dialog.getByLabel('Password').fill('not the password');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').filter({ hasText: /./ }).waitFor();
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Active');
    await dialog.getByLabel('Password').fill(admin.password);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await tab.getByText('Sign-in is now blocked.').waitFor();
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Disabled');
    await expect(eventsOf(tab)).resolves.toMatch(/disabled/);
    await context.close();
  });

  it('asks an admin without a password for a mailed code instead', async () => {
    const admin = await createAdmin(server, 'social-admin');
    const target = await createActiveUser(server, uniqueEmail('social-target'));
    const tokens = await staleTokens(server, await signIn(server, admin.email), 20 * 60);
    // As an account made by a social sign-in has: no password.
    await server.app.orm.em
      .fork()
      .nativeUpdate(User, { email: admin.email }, { passwordHash: null });
    const { context, tab } = await consoleWith(tokens);
    tab.on('dialog', (dialog) => void dialog.accept());
    await openUser(tab, target.email);
    await tab.getByRole('button', { name: 'Disable' }).click();
    const dialog = tab.getByRole('dialog', { name: 'Confirm it’s you' });
    const mails = server.inbox.for(admin.email).length;
    await dialog.getByRole('button', { name: 'Email me a code' }).click();
    const code = mailCode(await server.inbox.waitFor(admin.email, mails + 1));
    await dialog.getByLabel('Code').fill(code);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await tab.getByText('Sign-in is now blocked.').waitFor();
    await expect(fact(tab, 'State').innerText()).resolves.toBe('Disabled');
    await context.close();
  });

  it('signs in with a TOTP code when the admin has two-step on', async () => {
    const admin = await createAdmin(server, 'totp-admin');
    const { secret } = await enableTotp(server, admin.email);
    const { context, tab } = await openConsole();
    await signInWithPassword(tab, admin.email, admin.password);
    await tab.getByLabel('Code').fill('000000');
    await tab.getByRole('button', { name: 'Verify' }).click();
    await tab.getByRole('alert').filter({ hasText: /./ }).waitFor();
    expect(await tab.getByLabel('Search users').count()).toBe(0);
    await awayFromStepEdge();
    await tab.getByLabel('Code').fill(totpCode(secret));
    await tab.getByRole('button', { name: 'Verify' }).click();
    await tab.getByLabel('Search users').waitFor();
    await context.close();
  });

  it('signs in with a passkey, and signs out', async () => {
    const admin = await createAdmin(server, 'passkey-admin');
    const { context, tab } = await openConsole();
    await addPlatformAuthenticator(context, tab);
    await registerPasskey(tab, await signIn(server, admin.email));

    await tab.getByRole('button', { name: 'Use a passkey' }).click();
    await tab.getByLabel('Search users').waitFor();
    await expect(tab.locator('header').innerText()).resolves.toContain(admin.email);
    await openUser(tab, admin.email);
    await expect(fact(tab, 'Passkeys').innerText()).resolves.toBe('1');

    await tab.getByRole('button', { name: 'Sign out' }).click();
    await tab.getByLabel('Password').waitFor();
    await expect(storedSession(tab)).resolves.toBeNull();
    await context.close();
  });

  it('is usable at 360 px wide and from the keyboard', async () => {
    const admin = await createAdmin(server, 'narrow-admin');
    const { context, tab } = await openConsole({ viewport: { width: 360, height: 740 } });
    await tab.keyboard.type(admin.email); // the email field has the focus
    await tab.keyboard.press('Tab');
    await tab.keyboard.type(admin.password);
    await tab.keyboard.press('Enter');
    await tab.getByLabel('Search users').waitFor();
    await tab.keyboard.type(admin.email);
    await tab.getByRole('link', { name: admin.email }).waitFor();
    await tab.getByRole('link', { name: admin.email }).focus();
    await tab.keyboard.press('Enter');
    await tab.getByRole('heading', { name: admin.email }).waitFor();
    const overflow = await tab.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });
});

describe('the console switch', () => {
  it('is off in production unless ADMIN_CONSOLE=true, and can be turned off anywhere', async () => {
    const off = await startTestServer({ ...PRODUCTION_ENV });
    const on = await startTestServer({ ...PRODUCTION_ENV, ADMIN_CONSOLE: 'true' });
    const disabled = await startTestServer({ ADMIN_CONSOLE: 'false' });
    try {
      expect((await fetch(`${off.origin}/admin`)).status).toBe(404);
      expect((await fetch(`${off.origin}/admin/console.js`)).status).toBe(404);
      expect((await fetch(`${disabled.origin}/admin`)).status).toBe(404);
      const page = await fetch(`${on.origin}/admin`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect((await fetch(`${on.origin}/admin/console.js`)).status).toBe(200);
    } finally {
      await Promise.all([off.close(), on.close(), disabled.close()]);
    }
  });

  it('works in production with ADMIN_CONSOLE=true: an admin signs in and searches', async () => {
    const server = await startTestServer({ ...PRODUCTION_ENV, ADMIN_CONSOLE: 'true' });
    try {
      const admin = await createAdmin(server, 'prod-admin');
      const { context, tab, messages } = await openConsole({ at: server.origin });
      await signInWithPassword(tab, admin.email, admin.password);
      await openUser(tab, admin.email);
      await expect(fact(tab, 'Role').innerText()).resolves.toBe('ADMIN');
      // No script or style refused by the CSP, no error on the page.
      expect(messages.filter((m) => /^(error|pageerror)/.test(m))).toEqual([]);
      await context.close();
    } finally {
      await server.close();
    }
  });
});

/** The console opened with `tokens` as its stored session (the way a reload finds it). */
async function consoleWith(tokens: Tokens): Promise<Console> {
  const opened = await openConsole();
  await opened.tab.evaluate(
    ([key, value]) => (globalThis as any).localStorage.setItem(key!, value!),
    [STORAGE_KEY, JSON.stringify({ v: 1, ...tokens, refreshAt: Date.now() + 600_000 })],
  );
  await opened.tab.reload();
  return opened;
}

const eventsOf = (tab: Page) => tab.locator('section', { hasText: 'Security events' }).innerText();

/** A passkey made by the page's virtual authenticator for the signed-in `tokens`' user. */
async function registerPasskey(tab: Page, tokens: Tokens): Promise<void> {
  const started = await server.gql(
    `mutation { startPasskeyRegistration { challengeId options } }`,
    {},
    { token: tokens.accessToken },
  );
  expect(started.errors).toBeUndefined();
  const { challengeId, options } = started.data!.startPasskeyRegistration;
  const response = await tab.evaluate(async (options: any) => {
    const bytes = (s: string) =>
      Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const text = (b: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(b)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const credential = await (globalThis as any).navigator.credentials.create({
      publicKey: {
        ...options,
        challenge: bytes(options.challenge),
        user: { ...options.user, id: bytes(options.user.id) },
        excludeCredentials: (options.excludeCredentials ?? []).map((c: any) => ({
          ...c,
          id: bytes(c.id),
        })),
      },
    });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: text(response.clientDataJSON),
        attestationObject: text(response.attestationObject),
        transports: response.getTransports(),
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }, options);
  const finished = await server.gql(
    `mutation ($challengeId: ID!, $response: JSON!) {
      finishPasskeyRegistration(challengeId: $challengeId, response: $response) { id }
    }`,
    { challengeId, response },
    { token: tokens.accessToken },
  );
  expect(finished.errors).toBeUndefined();
}
