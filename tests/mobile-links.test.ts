import { Links } from '../src/mail/links';
import { ACTIVATE, PASSWORD, SIGN_UP, uniqueEmail } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

describe('links for a mobile app (custom-scheme APP_URL)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ APP_URL: 'myapp://auth' });
  });
  afterAll(() => server.close());

  it('mails myapp://auth/activate?token=..., and that token activates', async () => {
    const email = uniqueEmail('mobile');
    expect((await server.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
    const mail = await server.inbox.waitFor(email);
    const match = /myapp:\/\/auth\/activate\?token=([A-Za-z0-9._%-]+)/.exec(mail.text);
    expect(match).not.toBeNull();
    expect(mail.html).toContain(`href="myapp://auth/activate?token=${match![1]}"`);
    const token = new URL(match![0]).searchParams.get('token')!;
    const res = await server.gql(ACTIVATE, { token });
    expect(res.errors).toBeUndefined();
  });
});

describe('Links', () => {
  it('joins APP_URL, the configured path and the token', () => {
    const links = new Links('myapp://auth', { activation: '/verify', reset: '/password/new' });
    expect(links.activation('a.b.c')).toBe('myapp://auth/verify?token=a.b.c');
    expect(links.resetPassword('a.b.c')).toBe('myapp://auth/password/new?token=a.b.c');
  });

  it('keeps the default paths, hash-routed bases and paths that carry a query', () => {
    expect(new Links('https://app.example.com').resetPassword('t')).toBe(
      'https://app.example.com/reset-password?token=t',
    );
    expect(new Links('https://app.example.com/#').activation('t')).toBe(
      'https://app.example.com/#/activate?token=t',
    );
    const query = new Links('https://app.example.com', {
      activation: '/auth?step=activate',
      reset: '/r',
    });
    expect(query.activation('t+/')).toBe(
      'https://app.example.com/auth?step=activate&token=t%2B%2F',
    );
  });
});
