import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIGN_UP, PASSWORD, uniqueEmail } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

// Development with mail written to files: GET / and the outbox pages. Production keeps its 404s.
let dev: TestServer;
let prod: TestServer;

beforeAll(async () => {
  [dev, prod] = await Promise.all([
    startTestServer({ NODE_ENV: 'development', MAIL_TRANSPORT: 'file', LOG_LEVEL: 'silent' }),
    startTestServer({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-strong-production-secret-for-the-dev-pages-test-0123456789',
      BCRYPT_COST: '10',
    }),
  ]);
});
afterAll(async () => {
  await dev?.close();
  await prod?.close();
});

const get = (server: TestServer, path: string) => fetch(`${server.origin}${path}`);

/** The outbox page once it lists mail to `email` (the mailer writes it just after the commit). */
async function outboxListing(email: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const body = await (await get(dev, '/outbox')).text();
    if (body.includes(email) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('development pages', () => {
  it('GET / links the API explorer and the outbox, as a page with a strict CSP', async () => {
    const res = await get(dev, '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = await res.text();
    expect(body).toContain('href="/graphql"');
    expect(body).toContain('href="/outbox"');
    expect(body).toContain('href="/admin"');
    expect(body).toContain('docs/');
  });

  it('leaves the admin console out when ADMIN_CONSOLE=false', async () => {
    const off = await startTestServer({
      NODE_ENV: 'development',
      MAIL_TRANSPORT: 'file',
      LOG_LEVEL: 'silent',
      ADMIN_CONSOLE: 'false',
    });
    try {
      const body = await (await get(off, '/')).text();
      expect(body).toContain('href="/graphql"');
      expect(body).not.toContain('href="/admin"');
    } finally {
      await off.close();
    }
  });

  it('lists the activation mail of a sign-up first, and opening it shows the activation link', async () => {
    const earlier = uniqueEmail('earlier');
    const email = uniqueEmail('outbox');
    expect((await dev.gql(SIGN_UP, { email: earlier, password: PASSWORD })).errors).toBeUndefined();
    await outboxListing(earlier);
    expect((await dev.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
    const listing = await outboxListing(email);
    const links = [...listing.matchAll(/href="(\/outbox\/[^"/]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(2);
    expect(listing.indexOf(email)).toBeLessThan(listing.indexOf(earlier));

    const mail = await get(dev, links[0]!);
    expect(mail.status).toBe(200);
    expect(mail.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(mail.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await mail.text();
    expect(text).toContain(`To: ${email}`);
    expect(text).toMatch(/\/activate\?token=[\w.-]+/);

    // The HTML part is served as sent, but sandboxed: no script, no form, not this origin.
    const asHtml = await get(dev, `${links[0]!}/html`);
    expect(asHtml.status).toBe(200);
    expect(asHtml.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    expect(await asHtml.text()).toContain('/activate?token=');
  });

  it('escapes what a mail says: subject, recipient and text never become markup', async () => {
    const name = '2999-01-01T00-00-00-000Z-mallory@example.com.eml';
    writeFileSync(
      join(dev.config.mail.outboxDir, name),
      [
        'To: "<b>Mallory</b>" <mallory@example.com>',
        'Subject: =?UTF-8?Q?=3Cscript=3Ealert(1)=3C/script=3E_caf=C3=A9?=',
        'Content-Type: text/plain; charset=utf-8',
        '',
        '<img src=x onerror=alert(1)>',
      ].join('\n'),
    );
    const listing = await (await get(dev, '/outbox')).text();
    expect(listing).toContain('&lt;script&gt;alert(1)&lt;/script&gt; café');
    expect(listing).toContain('&lt;b&gt;Mallory&lt;/b&gt;');
    expect(listing).not.toContain('<script>');
    expect(listing).not.toContain('<b>Mallory');
    const mail = await get(dev, `/outbox/${encodeURIComponent(name)}`);
    expect(mail.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await mail.text()).toContain('<img src=x onerror=alert(1)>');
    // No HTML part: no HTML view either.
    expect((await get(dev, `/outbox/${encodeURIComponent(name)}/html`)).status).toBe(404);
  });

  it('refuses names that are not in the listing, path traversal included, with 404', async () => {
    for (const path of [
      '/outbox/..%2f..%2fetc%2fpasswd',
      '/outbox/..%2f..%2fetc%2fpasswd/html',
      '/outbox/not-a-mail.eml',
      '/outbox/..%2foutbox%2f..%2f..%2fjwt-secret',
    ]) {
      const res = await get(dev, path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('root:');
    }
  });
});

describe('production', () => {
  it('answers GET / and GET /outbox with 404, as before', async () => {
    expect((await get(prod, '/')).status).toBe(404);
    expect((await get(prod, '/outbox')).status).toBe(404);
  });
});
