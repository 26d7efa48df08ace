import { SANDBOX_AUTHORIZATION } from '../src/app';
import { startTestServer } from './helpers/server';

const landingPage = (url: string) => fetch(url, { headers: { accept: 'text/html' } });

describe('Apollo Sandbox landing page', () => {
  it('presets the Authorization header in development', async () => {
    const server = await startTestServer({ NODE_ENV: 'development', LOG_LEVEL: 'silent' });
    try {
      const res = await landingPage(server.url);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('embeddable-sandbox');
      expect(html).toContain('"sharedHeaders":{"Authorization":');
      // The placeholder is HTML-escaped inside the page's script (<, > as \u003c, \u003e).
      expect(html).toContain('"Authorization":"Bearer \\u003caccessToken from signIn\\u003e"');
      expect(SANDBOX_AUTHORIZATION).toBe('Bearer <accessToken from signIn>');
    } finally {
      await server.close();
    }
  });

  it('is off in production', async () => {
    const server = await startTestServer({
      NODE_ENV: 'production',
      BCRYPT_COST: '10',
      LOG_LEVEL: 'silent',
    });
    try {
      const res = await landingPage(server.url);
      expect(await res.text()).not.toContain('embeddable-sandbox');
    } finally {
      await server.close();
    }
  });
});
