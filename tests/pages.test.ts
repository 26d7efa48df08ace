import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createLogger } from '../src/logger';
import {
  codeOf,
  createActiveUser,
  PASSWORD,
  SIGN_IN,
  signIn,
  SIGN_UP,
  uniqueEmail,
} from './helpers/flows';
import type { ReceivedMail } from './helpers/inbox';
import { startTestServer, TEST_KEYS, type TestServer } from './helpers/server';

// The emailed links, opened in a real browser: Debian's chromium driven by playwright-core.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, 'output', 'pages');
const NEW_PASSWORD = 'a brand new passphrase';
const CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

let server: TestServer;
let browser: Browser;
const logLines: string[] = [];
const secrets: string[] = []; // every token and password the tests used: none may reach a log line

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the page tests need a real browser. ` +
        'Install it with `apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.',
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  [server, browser] = await Promise.all([
    startTestServer({}, { ownAppUrl: true, logger }),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh browser profile with JavaScript off (the pages must not need it), collecting console errors. */
async function openBrowser(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // Error pages answer 4xx on purpose; anything else (a CSP violation above all) is a problem.
    if (
      m.type() === 'error' &&
      !m.text().startsWith('Failed to load resource: the server responded')
    )
      problems.push(m.text());
  });
  page.on('response', (r) => {
    if (r.url().endsWith('/assets/pages.css') && r.status() !== 200)
      problems.push(`stylesheet ${r.status()}`);
  });
  return { context, page, problems };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** The first link in the mail that points at `path`, exactly as a mail client would open it. */
function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://[^\\s"<>]+${path}\\?token=[A-Za-z0-9._%-]+`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in "${mail.subject}"`);
  secrets.push(decodeURIComponent(match[0].split('token=')[1]!));
  return match[0];
}

async function signUpAndGetLink(email: string): Promise<string> {
  const before = server.inbox.for(email).length;
  expect((await server.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
  return linkIn(await server.inbox.waitFor(email, before + 1), '/activate');
}

async function resetLink(email: string): Promise<string> {
  const before = server.inbox.for(email).length;
  await server.gql(`mutation ($email: String!) { requestPasswordReset(email: $email) }`, { email });
  return linkIn(await server.inbox.waitFor(email, before + 1), '/reset-password');
}

describe('activation page', () => {
  it('the mailed link opens a page whose button activates the account; a second use says so', async () => {
    const email = uniqueEmail('page');
    const link = await signUpAndGetLink(email);
    expect(link.startsWith(`${server.origin}/activate?token=`)).toBe(true);
    const { context, page, problems } = await openBrowser();

    await page.goto(link);
    await expect(page.locator('h1').textContent()).resolves.toBe('Activate your account');
    await shot(page, '1-activate-button');
    // Opening the link (what mail scanners do) changes nothing yet.
    expect(codeOf(await server.gql(SIGN_IN, { email, password: PASSWORD }))).toBe(
      'ACCOUNT_NOT_ACTIVATED',
    );
    await page.getByRole('button', { name: 'Activate my account' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Your account is activated');
    expect(await page.locator('main').textContent()).toContain(`${email} is ready.`);
    await shot(page, '2-activate-done');
    await signIn(server, email);

    await page.goto(link);
    await page.getByRole('button', { name: 'Activate my account' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('This link has already been used');
    await shot(page, '3-activate-used');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an expired link offers a form that mails a new link, on which choosing a password activates the account', async () => {
    const email = uniqueEmail('expired');
    const link = await signUpAndGetLink(email);
    // The same link, signed again by the server's key with an expiry in the past.
    const token = decodeURIComponent(new URL(link).searchParams.get('token')!);
    const { header, payload } = jwt.decode(token, { complete: true }) as jwt.Jwt;
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign(
      { ...(payload as jwt.JwtPayload), iat: now - 7200, exp: now - 3600 },
      TEST_KEYS.email,
      { algorithm: 'HS256', header: header as jwt.JwtHeader },
    );
    secrets.push(expired);
    const { context, page, problems } = await openBrowser();

    await page.goto(`${server.origin}/activate?token=${encodeURIComponent(expired)}`);
    await page.getByRole('button', { name: 'Activate my account' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe(
      'This activation link has expired',
    );
    await shot(page, '4-activate-expired');
    await page.getByLabel('Email address').fill(email.toUpperCase());
    await page.getByRole('button', { name: 'Send a new link' }).click();
    expect(await page.locator('main').textContent()).toContain(
      'If the address is registered and waiting for activation, a new link is on its way.',
    );
    await shot(page, '5-activate-resent');

    // Anyone may ask for the resend, so the new link lets the mailbox's owner choose the password
    // (tests/pre-takeover.test.ts); setting it activates the account.
    const fresh = linkIn(await server.inbox.waitFor(email, 2), '/reset-password');
    await page.goto(fresh);
    secrets.push(NEW_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password, again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Your password has been changed');
    await signIn(server, email, NEW_PASSWORD);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('reset-password page', () => {
  it('refuses a weak password, then two that differ, keeping the form; accepts a good one; sign-in works with it', async () => {
    const user = await createActiveUser(server);
    const link = await resetLink(user.email);
    secrets.push(NEW_PASSWORD);
    const { context, page, problems } = await openBrowser();
    const submit = async (password: string, confirm: string) => {
      await page.getByLabel('New password', { exact: true }).fill(password);
      await page.getByLabel('New password, again').fill(confirm);
      await page.getByRole('button', { name: 'Set new password' }).click();
    };
    const errorText = () => page.getByRole('alert').textContent();

    await page.goto(link);
    await expect(page.locator('h1').textContent()).resolves.toBe('Choose a new password');
    expect(await page.locator('ul.rules').textContent()).toContain('At least 8 characters');
    await shot(page, '6-reset-form');

    await submit('iloveyou', 'iloveyou');
    await expect(errorText()).resolves.toMatch(/too common/);
    await shot(page, '7-reset-weak');
    // The form is still there; typed passwords are never echoed back into the HTML.
    await expect(page.getByLabel('New password, again').inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain('iloveyou');

    await submit(NEW_PASSWORD, `${NEW_PASSWORD}!`);
    await expect(errorText()).resolves.toMatch(/two passwords differ/);
    expect(await page.content()).not.toContain(NEW_PASSWORD);
    await shot(page, '8-reset-mismatch');

    await submit(NEW_PASSWORD, NEW_PASSWORD);
    await expect(page.locator('h1').textContent()).resolves.toBe('Your password has been changed');
    await shot(page, '9-reset-done');
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    await signIn(server, user.email, NEW_PASSWORD);

    await page.goto(link);
    await submit('yet another passphrase', 'yet another passphrase');
    await expect(page.locator('h1').textContent()).resolves.toBe('This link has already been used');
    await shot(page, '10-reset-used');
    expect(problems).toEqual([]);
    await context.close();
  });
});

/** A page's form token and the cookie it is bound to, as a same-origin browser would hold them. */
async function formOf(path: string) {
  const res = await fetch(`${server.origin}${path}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie, csrf };
}

const post = (path: string, fields: Record<string, string>, headers: Record<string, string>) =>
  fetch(`${server.origin}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

describe('HTTP behaviour', () => {
  it('answers pages with the security headers, and serves the stylesheet', async () => {
    for (const path of ['/activate?token=x', '/reset-password?token=x', '/activate']) {
      const res = await fetch(`${server.origin}${path}`);
      expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const set = (await fetch(`${server.origin}/activate?token=x`)).headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const css = await fetch(`${server.origin}/assets/pages.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('escapes what it echoes', async () => {
    const res = await fetch(
      `${server.origin}/reset-password?token=${encodeURIComponent('"><script>x</script>')}`,
    );
    const body = await res.text();
    expect(body).not.toContain('<script>');
    expect(body).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });

  it('refuses form posts without the cookie-bound token, from another origin, or with another form’s token', async () => {
    const user = await createActiveUser(server);
    const token = new URL(await resetLink(user.email)).searchParams.get('token')!;
    const fields = { token, password: NEW_PASSWORD, confirm: NEW_PASSWORD };
    const reset = await formOf('/reset-password?token=x');
    const activate = await formOf('/activate?token=x');
    const refused = [
      post('/reset-password', fields, {}),
      post('/reset-password', { ...fields, csrf: reset.csrf }, {}),
      post('/reset-password', { ...fields, csrf: 'garbage' }, { cookie: reset.cookie }),
      post('/reset-password', { ...fields, csrf: activate.csrf }, { cookie: reset.cookie }),
      post(
        '/reset-password',
        { ...fields, csrf: reset.csrf },
        {
          cookie: reset.cookie,
          origin: 'http://evil.example',
        },
      ),
      post(
        '/reset-password',
        { ...fields, csrf: reset.csrf },
        {
          cookie: reset.cookie,
          'sec-fetch-site': 'cross-site',
        },
      ),
      post('/activate/resend', { email: user.email, csrf: reset.csrf }, { cookie: reset.cookie }),
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This form could not be verified');
    }
    await signIn(server, user.email, PASSWORD);
    // The same post with the token and cookie of this origin's page goes through.
    const ok = await post(
      '/reset-password',
      { ...fields, csrf: reset.csrf },
      {
        cookie: reset.cookie,
        origin: server.origin,
        'sec-fetch-site': 'same-origin',
      },
    );
    expect(ok.status).toBe(200);
    await signIn(server, user.email, NEW_PASSWORD);
  });

  it('refuses a cross-site form post made by a real browser', async () => {
    const user = await createActiveUser(server);
    const token = new URL(await resetLink(user.email)).searchParams.get('token')!;
    const { context, page } = await openBrowser();
    // The victim opened the real page once (the CSRF cookie is set), then visits the attacker's site.
    await page.goto(`${server.origin}/reset-password?token=x`);
    const stolen = await page.locator('input[name="csrf"]').inputValue();
    await page.route('http://evil.test/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${server.origin}/reset-password">
          <input name="token" value="${token}"><input name="csrf" value="${stolen}">
          <input name="password" value="attacker passphrase"><input name="confirm" value="attacker passphrase">
          <button>win a prize</button></form>`,
      }),
    );
    await page.goto('http://evil.test/');
    await page.getByRole('button', { name: 'win a prize' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('This form could not be verified');
    await shot(page, '11-csrf-refused');
    await context.close();
    await signIn(server, user.email, PASSWORD);
  });

  it('never writes a token or a password into the log', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const log = logLines.join('');
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/token=/);
  });
});
