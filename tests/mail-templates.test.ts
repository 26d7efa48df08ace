import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../src/cli/commands';
import { DEFAULT_TEMPLATES, MailTemplates, type TemplateName } from '../src/mail/templates';
import { PASSWORD, SIGN_UP, uniqueEmail } from './helpers/flows';
import { linkToken } from './helpers/inbox';
import { startTestServer } from './helpers/server';

const NAMES = Object.keys(DEFAULT_TEMPLATES) as TemplateName[];
const LINK = 'https://app.example.com/activate?token=a.b.c&x=<y>';

describe('mail templates', () => {
  it.each(NAMES)('%s renders a subject, a text and an HTML part with the product name', (name) => {
    const mail = new MailTemplates({ appName: 'Acme Cloud' }).render(name, 'ada@example.com', {
      link: LINK,
      ttl: '1 hour',
    });
    expect(mail.to).toBe('ada@example.com');
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.subject).not.toMatch(/[\r\n{}]/);
    expect(mail.text).toContain('Acme Cloud');
    expect(mail.html).toContain('Acme Cloud');
    expect(mail.html).toMatch(/^<!doctype html>/);
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(/\{\{/);
    if (
      name === 'activation' ||
      name === 'reset-password' ||
      name === 'activation-choose-password' ||
      name === 'org-invitation' ||
      name === 'email-change-confirm' ||
      name === 'email-change-confirm-old'
    ) {
      expect(mail.text).toContain(LINK);
      expect(mail.text).toContain('1 hour');
      // Values are escaped in HTML: the link cannot break out of its attribute.
      expect(mail.html).toContain(
        'href="https://app.example.com/activate?token=a.b.c&amp;x=&lt;y&gt;"',
      );
    } else {
      expect(mail.text).not.toContain('token=');
    }
  });

  it('takes overrides from MAIL_TEMPLATES_DIR and APP_NAME, part by part, in the mail that is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    writeFileSync(join(dir, 'activation.subject.txt'), 'Confirm your {{appName}} address\n');
    writeFileSync(
      join(dir, 'activation.html'),
      '<p>Hello {{email}}, <a href="{{link}}">confirm</a> within {{ttl}}.</p>',
    );
    const server = await startTestServer({ MAIL_TEMPLATES_DIR: dir, APP_NAME: 'Acme' });
    try {
      const email = uniqueEmail();
      await server.gql(SIGN_UP, { email, password: PASSWORD });
      const mail = await server.inbox.waitFor(email);
      expect(mail.subject).toBe('Confirm your Acme address');
      expect(mail.html).toContain(`<p>Hello ${email}, <a href="http://app.test/activate?token=`);
      expect(mail.html).toContain('within 1 day.');
      // The text part was not overridden: the built-in one, with the product name.
      expect(mail.text).toContain('Welcome to Acme!');
      expect(linkToken(mail, '/activate')).toMatch(/^ey/);
    } finally {
      await server.close();
    }
  });

  it('refuses to start with a template naming an unknown placeholder, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    writeFileSync(join(dir, 'reset-password.txt'), 'Reset: {{url}}');
    expect(() => new MailTemplates({ appName: 'x', dir })).toThrow(
      /reset-password\.txt: unknown placeholder \{\{url\}\}/,
    );
  });

  it('keeps codes and links out of every subject: the defaults carry none, an override naming one is refused', () => {
    const templates = new MailTemplates({ appName: 'Acme' });
    for (const name of NAMES) {
      const mail = templates.render(name, 'ada@example.com', { code: '123456', link: LINK });
      expect({ name, subject: mail.subject }).toEqual({
        name,
        subject: expect.not.stringMatching(/123456|example\.com\/activate/),
      });
    }
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    writeFileSync(join(dir, 'sign-in-code.subject.txt'), 'Your code: {{code}}');
    expect(() => new MailTemplates({ appName: 'x', dir })).toThrow(
      /sign-in-code\.subject\.txt: \{\{code\}\} may not be in a subject/,
    );
  });

  it('strips line breaks a subject override could smuggle into the headers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    writeFileSync(join(dir, 'password-changed.subject.txt'), 'Changed\nBcc: {{email}}');
    const mail = new MailTemplates({ appName: 'x', dir }).render(
      'password-changed',
      'ada@example.com',
    );
    expect(mail.subject).toBe('Changed Bcc: ada@example.com');
  });

  it('exports the built-in templates as files with `npm run cli -- mail:templates`', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'authql-templates-')), 'out');
    const out: string[] = [];
    const command = COMMANDS.find((c) => c.name === 'mail:templates')!;
    expect(await command.run(['--out', dir], { out: (l) => out.push(l), err: () => {} })).toBe(0);
    expect(readdirSync(dir)).toHaveLength(NAMES.length * 3);
    // The exported files are valid overrides that change nothing.
    const mail = new MailTemplates({ appName: 'Acme', dir }).render('activation', 'a@b.co', {
      link: LINK,
      ttl: '1 day',
    });
    expect(mail).toEqual(
      new MailTemplates({ appName: 'Acme' }).render('activation', 'a@b.co', {
        link: LINK,
        ttl: '1 day',
      }),
    );
  });
  it('exports one language’s templates with `--locale`, into its own folder, as overrides that change nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'authql-templates-')), 'out');
    const command = COMMANDS.find((c) => c.name === 'mail:templates')!;
    const io = { out: () => {}, err: () => {} };
    expect(await command.run(['--out', dir, '--locale', 'de'], io)).toBe(0);
    expect(readdirSync(join(dir, 'de'))).toHaveLength(NAMES.length * 3);
    expect(await command.run(['--out', dir, '--locale', 'xx'], io)).toBe(2);
    const vars = { link: LINK, ttl: 3_600_000, code: '123456', codeTtl: 600_000 };
    for (const name of ['activation', 'email-change-confirm'] as const) {
      const mail = new MailTemplates({ appName: 'Acme', dir }).render(name, 'a@b.co', vars, 'de');
      expect(mail).toEqual(
        new MailTemplates({ appName: 'Acme' }).render(name, 'a@b.co', vars, 'de'),
      );
    }
  });

  it('takes MAIL_TEMPLATES_DIR/<locale>/ for that language only, in the mail that is sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    mkdirSync(join(dir, 'de'));
    writeFileSync(join(dir, 'de', 'activation.subject.txt'), 'Ihr Zugang zu {{appName}}\n');
    const server = await startTestServer({ MAIL_TEMPLATES_DIR: dir, APP_NAME: 'Acme' });
    try {
      const SIGN_UP_IN = `mutation ($email: String!, $password: String!, $locale: String) {
        signUp(input: { email: $email, password: $password, locale: $locale })
      }`;
      const mailFor = async (locale: string) => {
        const email = uniqueEmail(locale);
        await server.gql(SIGN_UP_IN, { email, password: PASSWORD, locale });
        return server.inbox.waitFor(email);
      };
      const german = await mailFor('de');
      expect(german.subject).toBe('Ihr Zugang zu Acme');
      // The parts without a file of their own are the built-in German ones.
      expect(german.text).toContain('Willkommen bei Acme!');
      expect((await mailFor('fr')).subject).toBe('Activez votre compte');
      expect((await mailFor('en')).subject).toBe('Activate your account');
    } finally {
      await server.close();
    }
  });
});
