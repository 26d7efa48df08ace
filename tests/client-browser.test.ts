import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createActiveUser, PASSWORD, uniqueEmail } from './helpers/flows';
import { freePort } from './helpers/inbox';
import { addPlatformAuthenticator } from './helpers/webauthn';
import { startTestServer, type TestServer } from './helpers/server';

// @authql/client in Debian's chromium: the browser bundle, loaded by a page this test serves (with
// /graphql forwarded to authql on the same origin), keeps its session in localStorage, registers and
// uses a passkey through the DevTools virtual authenticator, and refreshes once for two tabs.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildBrowserBundle, buildEntry } = require('../scripts/build-client') as {
  buildBrowserBundle(outfile: string): Promise<unknown>;
  buildEntry(entry: 'index' | 'apollo', format: 'esm' | 'cjs', outfile: string): Promise<unknown>;
};
// The ESM build as an app's page loads it without a bundler: bare imports through an import map,
// served from node_modules.
const SIMPLEWEBAUTHN_ESM = join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'esm');
const ESM_PAGE = `<!doctype html><meta charset="utf-8"><title>authql client (ESM)</title>
<script type="importmap">
  { "imports": { "@simplewebauthn/browser": "/node_modules/@simplewebauthn/browser/index.js" } }
</script>
<script type="module">
  import * as authql from '/index.mjs';
  const auth = authql.createAuthqlClient({ url: location.origin + '/graphql' });
  Object.assign(window, { authql, auth, ready: true });
</script>`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>authql client</title>
<script type="module">
  import * as authql from '/authql-client.mjs';
  const auth = authql.createAuthqlClient({
    url: location.origin + '/graphql',
    storage: authql.localStorageAdapter(),
  });
  window.changes = [];
  auth.onChange((user) => window.changes.push(user ? user.email : null));
  Object.assign(window, { authql, auth, ready: true });
</script>`;

let server: TestServer;
let browser: Browser;
let page: Server;
let origin: string;
let bundleDir: string;
let bundle: string;
/** Operations forwarded to authql, by first field (refreshToken, me, …). */
const forwarded: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM} (apt-get install -y chromium, or CHROMIUM_PATH).`,
    );
  bundleDir = mkdtempSync(join(tmpdir(), 'authql-client-'));
  await buildBrowserBundle(join(bundleDir, 'authql-client.mjs'));
  await buildEntry('index', 'esm', join(bundleDir, 'index.mjs'));
  bundle = readFileSync(join(bundleDir, 'authql-client.mjs'), 'utf8');
  const port = await freePort();
  origin = `http://localhost:${port}`;
  [server, browser] = await Promise.all([
    startTestServer({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: origin }),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    }),
  ]);
  page = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (req.url === '/authql-client.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else if (req.url === '/esm') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ESM_PAGE);
    } else if (req.url === '/index.mjs') {
      res
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        .end(readFileSync(join(bundleDir, 'index.mjs')));
    } else if (req.url?.startsWith('/node_modules/@simplewebauthn/browser/')) {
      const file = normalize(join(SIMPLEWEBAUTHN_ESM, req.url.slice(38)));
      if (!file.startsWith(SIMPLEWEBAUTHN_ESM) || !existsSync(file)) res.writeHead(404).end();
      else
        res
          .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
          .end(readFileSync(file));
    } else if (req.url === '/graphql' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const { query } = JSON.parse(body.toString()) as { query: string };
        forwarded.push(/(?:mutation|query)[^{]*\{\s*(\w+)/.exec(query)?.[1] ?? '?');
        const upstream = request(
          server.url,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
            answer.pipe(res);
          },
        );
        upstream.end(body);
      });
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => page.listen(port, '127.0.0.1', resolve));
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => page?.close(resolve));
  await server?.close();
  rmSync(bundleDir, { recursive: true, force: true });
});

async function open(context: BrowserContext): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto(origin);
  await tab.waitForFunction(() => (globalThis as any).ready === true);
  return tab;
}

const signInOn = (tab: Page, email: string) =>
  tab.evaluate(
    ([e, p]) => (globalThis as any).auth.signIn({ email: e, password: p }),
    [email, PASSWORD],
  );
const meOn = (tab: Page) =>
  tab.evaluate(async () => ((await (globalThis as any).auth.me()) as { email: string }).email);

describe('@authql/client in chromium', () => {
  it('loads no Node built-in', () => {
    expect(bundle).not.toMatch(/require\(["'](node:)?(fs|path|crypto|http|buffer|process)["']\)/);
    expect(bundle).not.toContain('process.env');
  });

  it('the ESM build loads with an import map and signs in', async () => {
    const user = await createActiveUser(server, uniqueEmail('esm'));
    const context = await browser.newContext();
    const tab = await context.newPage();
    const failed: string[] = [];
    tab.on('pageerror', (err) => failed.push(err.message));
    await tab.goto(`${origin}/esm`);
    await tab.waitForFunction(() => (globalThis as any).ready === true);
    expect(await signInOn(tab, user.email)).toMatchObject({ status: 'signed-in' });
    expect(await meOn(tab)).toBe(user.email);
    expect(
      await tab.evaluate(() => typeof (globalThis as any).auth.passkeys.register === 'function'),
    ).toBe(true);
    expect(failed).toEqual([]);
    await context.close();
  });

  it('signs in, survives a reload, registers and signs in with a passkey', async () => {
    const user = await createActiveUser(server, uniqueEmail('browser'));
    const context = await browser.newContext();
    const tab = await open(context);
    await addPlatformAuthenticator(context, tab);

    expect(await signInOn(tab, user.email)).toMatchObject({
      status: 'signed-in',
      user: { email: user.email },
    });
    await tab.reload();
    await tab.waitForFunction(() => (globalThis as any).ready === true);
    // A new page, the same session: read back from localStorage.
    expect(await meOn(tab)).toBe(user.email);

    const passkey = await tab.evaluate(() => (globalThis as any).auth.passkeys.register('Laptop'));
    expect(passkey).toMatchObject({ name: 'Laptop' });
    await tab.evaluate(() => (globalThis as any).auth.signOut());
    expect(await tab.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
    await expect(meOn(tab)).rejects.toThrow(/signed in/i);

    const result = await tab.evaluate(
      (email) => (globalThis as any).auth.passkeys.signIn(email),
      user.email,
    );
    expect(result).toMatchObject({ status: 'signed-in', user: { email: user.email } });
    expect(await meOn(tab)).toBe(user.email);
    expect(await tab.evaluate(() => (globalThis as any).changes)).toEqual([null, user.email]);
    await context.close();
  });

  async function twoTabsRefresh(context: BrowserContext) {
    const user = await createActiveUser(server, uniqueEmail('tabs'));
    const [first, second] = [await open(context), await open(context)];
    await signInOn(first, user.email);
    // Both tabs hold the same session, due for refresh.
    await first.evaluate(() => {
      const session = JSON.parse((globalThis as any).localStorage.getItem('authql.session')!);
      (globalThis as any).localStorage.setItem(
        'authql.session',
        JSON.stringify({ ...session, refreshAt: 0 }),
      );
    });
    const before = forwarded.length;
    const many = (tab: Page) =>
      tab.evaluate(() =>
        Promise.all(
          Array.from({ length: 5 }, async () => (await (globalThis as any).auth.me()).email),
        ),
      );
    const [a, b] = await Promise.all([many(first), many(second)]);
    expect([...a, ...b]).toEqual(Array(10).fill(user.email));
    expect(forwarded.slice(before).filter((op) => op === 'refreshToken')).toHaveLength(1);
    await context.close();
  }

  it('two tabs refreshing at once spend the refresh token once (Web Locks)', async () => {
    const context = await browser.newContext();
    await twoTabsRefresh(context);
  });

  it('two tabs refreshing at once spend the refresh token once (without Web Locks)', async () => {
    const context = await browser.newContext();
    // A browser without navigator.locks: the localStorage lease takes over.
    await context.addInitScript(() => {
      Object.defineProperty((globalThis as any).Navigator.prototype, 'locks', {
        get: () => undefined,
      });
    });
    const probe = await open(context);
    expect(await probe.evaluate(() => (globalThis as any).navigator.locks)).toBeUndefined();
    await probe.close();
    await twoTabsRefresh(context);
  });

  it('a sign-in and a sign-out in one tab reach onChange in the other', async () => {
    const user = await createActiveUser(server, uniqueEmail('tabs-change'));
    const context = await browser.newContext();
    const [first, second] = [await open(context), await open(context)];
    const changesOf = (tab: Page) => tab.evaluate(() => (globalThis as any).changes as unknown[]);
    await signInOn(first, user.email);
    await second.waitForFunction(() => (globalThis as any).changes.length === 1);
    expect(await changesOf(second)).toEqual([user.email]);
    expect(await meOn(second)).toBe(user.email);
    await first.evaluate(() => (globalThis as any).auth.signOut());
    await second.waitForFunction(() => (globalThis as any).changes.length === 2);
    expect(await changesOf(second)).toEqual([user.email, null]);
    await context.close();
  });
});
