import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { chromium, type Browser } from 'playwright-core';
import { graphiqlRouter, resolveGraphiqlAssets } from '../src/pages/graphiql';
import { PRODUCTION_ENV } from './helpers/production';
import { startTestServer, type TestServer } from './helpers/server';

// GraphiQL at /graphiql: development only, every asset served by authql itself from node_modules.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let dev: TestServer;
let prod: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM} (apt-get install -y chromium, or CHROMIUM_PATH).`,
    );
  [dev, prod, browser] = await Promise.all([
    startTestServer({ NODE_ENV: 'development', LOG_LEVEL: 'silent' }),
    startTestServer({ ...PRODUCTION_ENV, LOG_LEVEL: 'silent' }),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await dev?.close();
  await prod?.close();
});

describe('GraphiQL at /graphiql', () => {
  it('loads in chromium with no request leaving this server, and runs a query', async () => {
    const context = await browser.newContext();
    const requested: string[] = [];
    const problems: string[] = [];
    // Every request the page makes is recorded; one to another origin is aborted, and fails the test.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      const local = url.startsWith(`${dev.origin}/`) || /^(data|blob):/.test(url);
      return local ? route.continue() : route.abort();
    });
    const tab = await context.newPage();
    tab.on('pageerror', (err) => problems.push(err.message));
    tab.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    const res = await tab.goto(`${dev.origin}/graphiql`);
    expect(res?.status()).toBe(200);
    // The schema arrived through introspection: the docs explorer can be opened and lists Query.
    await tab.waitForSelector('.graphiql-container .graphiql-query-editor', { timeout: 20_000 });
    await tab.locator('.graphiql-query-editor .CodeMirror').first().click();
    await tab.keyboard.press('Control+A');
    await tab.keyboard.type('{ __typename');
    await tab.locator('.graphiql-execute-button').click();
    await tab
      .locator('.graphiql-response')
      .filter({ hasText: '"Query"' })
      .waitFor({ timeout: 10_000 });
    // Its stylesheets applied (no inline style allowed by the CSP): the IDE fills the window.
    const box = await tab.locator('.graphiql-container').boundingBox();
    expect(box!.height).toBeGreaterThan(600);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(`${dev.origin}/`))).toEqual([]);
    expect(requested).toEqual(
      expect.arrayContaining([
        `${dev.origin}/graphiql/graphiql.js`,
        `${dev.origin}/graphiql/react.js`,
        `${dev.origin}/graphiql/graphiql.css`,
        `${dev.origin}/graphql`,
      ]),
    );
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('serves only its own assets, with a CSP that allows scripts from this server alone', async () => {
    const page = await fetch(`${dev.origin}/graphiql`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).not.toMatch(/https?:\/\//);
    const css = await fetch(`${dev.origin}/graphiql/graphiql.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    for (const path of [
      '/graphiql/package.json',
      '/graphiql/..%2F..%2Fpackage.json',
      '/graphiql/x',
    ])
      expect((await fetch(`${dev.origin}${path}`)).status).toBe(404);
  });

  it('is linked from the development page', async () => {
    expect(await (await fetch(`${dev.origin}/`)).text()).toContain('href="/graphiql"');
  });

  it('answers 404 in production, page and assets', async () => {
    for (const path of ['/graphiql', '/graphiql/graphiql.js', '/graphiql/start.js'])
      expect((await fetch(`${prod.origin}${path}`)).status).toBe(404);
  });

  it('answers a clear 404 page where its packages (devDependencies) are not installed', async () => {
    expect(
      resolveGraphiqlAssets(() => {
        throw new Error('Cannot find module');
      }),
    ).toBeNull();
    expect(resolveGraphiqlAssets()).not.toBeNull();
    const app = express().use(graphiqlRouter(null));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/graphiql`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const body = await res.text();
      expect(body).toContain('GraphiQL is not installed');
      expect(body).toContain('npm install');
      expect((await fetch(`${base}/graphiql/graphiql.js`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
