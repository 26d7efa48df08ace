import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { startTestServer } from './helpers/server';

const pagesFor = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'authql-config-')), ...env }).pages;

describe('PAGES', () => {
  it('auto: on when APP_URL is this server (http, loopback or HOST, same port, no path)', () => {
    expect(pagesFor({})).toEqual({ mode: 'auto', enabled: true });
    expect(pagesFor({ APP_URL: 'http://127.0.0.1:4000/' }).enabled).toBe(true);
    expect(pagesFor({ PORT: '8080', APP_URL: 'http://localhost:8080' }).enabled).toBe(true);
    expect(
      pagesFor({ NODE_ENV: 'development', HOST: 'auth.lan', APP_URL: 'http://auth.lan:4000' })
        .enabled,
    ).toBe(true);
  });

  it('auto: off when APP_URL points elsewhere', () => {
    for (const APP_URL of [
      'https://app.example.com',
      'http://localhost:3000',
      'http://localhost:4000/app',
      'https://localhost:4000',
      'http://192.168.1.9:4000',
    ]) {
      expect(pagesFor({ APP_URL }).enabled).toBe(false);
    }
  });

  it('on and off win over APP_URL; anything else is refused at boot', () => {
    expect(pagesFor({ PAGES: 'on', APP_URL: 'https://app.example.com' }).enabled).toBe(true);
    expect(pagesFor({ PAGES: 'off' }).enabled).toBe(false);
    expect(() => pagesFor({ PAGES: 'yes' })).toThrow(ConfigError);
    try {
      pagesFor({ PAGES: 'yes' });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(['PAGES must be auto, on or off']);
    }
  });

  it('answers 404 on every page path when off', async () => {
    const server = await startTestServer({ PAGES: 'off' }, { ownAppUrl: true });
    try {
      for (const path of ['/activate?token=x', '/reset-password?token=x', '/assets/pages.css']) {
        expect((await fetch(`${server.origin}${path}`)).status).toBe(404);
      }
      const post = await fetch(`${server.origin}/reset-password`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=x&password=a&confirm=a',
      });
      expect(post.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
