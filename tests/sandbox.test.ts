import { startTestServer } from './helpers/server';

const landingPage = (url: string) => fetch(url, { headers: { accept: 'text/html' } });

describe('Apollo Sandbox landing page', () => {
  it('presets the Authorization header in development', async () => {
    const server = await startTestServer({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    try {
      const res = await landingPage(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('embeddable-sandbox');
      expect(html).toContain('"sharedHeaders":{"Authorization":');
      // The placeholder is HTML-escaped inside the page's script (<, > as \u003c, \u003e).
      expect(html).toContain('"Authorization":"Bearer \\u003caccessToken from signIn\\u003e"');
    } finally {
      await server.close();
    }
  });
  // Off in production: tests/production.test.ts ("serves no landing page"), on that file's server.
});
