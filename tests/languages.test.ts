import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transaction } from '../src/database/unit-of-work';
import { BUILT_IN_CATALOGS, type MailBlock } from '../src/mail/locales';
import { MailTemplates, TEMPLATE_NAMES, type TemplateVars } from '../src/mail/templates';
import { PAGE_CATALOGS } from '../src/pages/page-messages';
import { User } from '../src/users/user.entity';
import { DELETE_ACCOUNT, PASSWORD, signIn, uniqueEmail } from './helpers/flows';
import { linkToken, type ReceivedMail } from './helpers/inbox';
import { startTestServer, type TestServer } from './helpers/server';

// Mails and pages in the user's language: the account's locale for mail, ?lang= or Accept-Language for
// pages; DEFAULT_LOCALE when nothing says otherwise.
const LOCALES = ['en', 'de', 'fr', 'es'] as const;
const LINK = 'https://app.example.com/activate?token=a.b.c&x=<y>';
const VARS: TemplateVars = {
  link: LINK,
  ttl: 24 * 3600_000,
  code: '123456',
  codeTtl: 15 * 60_000,
  remaining: 3,
  removed: [
    { kind: 'passkeys', count: 2, text: '2 passkeys' },
    { kind: 'totp', count: 1, text: 'two-step verification (authenticator app)' },
  ],
  orgName: 'Acme Research',
  inviter: 'grace@example.com',
  newEmail: 'ada.new@example.com',
};

/**
 * Strings a translation may keep as they are: none today. A line made only of a placeholder or a URL
 * would go here.
 */
const SAME_AS_ENGLISH_ALLOWED = new Set<string>([]);

const blockText = (block: MailBlock): string =>
  typeof block === 'string' ? block : 'link' in block ? block.link : '';

describe('the catalogs', () => {
  it.each(LOCALES.flatMap((l) => TEMPLATE_NAMES.map((n) => [l, n] as const)))(
    '%s: %s renders all three parts with every placeholder filled',
    (locale, name) => {
      expect(Object.keys(BUILT_IN_CATALOGS[locale]!.templates).sort()).toEqual(
        [...TEMPLATE_NAMES].sort(),
      );
      const mail = new MailTemplates({ appName: 'Acme Cloud' }).render(
        name,
        'ada@example.com',
        VARS,
        locale,
      );
      expect(mail.subject.length).toBeGreaterThan(5);
      for (const part of [mail.subject, mail.text, mail.html]) {
        // No ICU or `{{}}` placeholder left, no value missing.
        expect(part).not.toMatch(/[{}]/);
        expect(part).not.toContain('undefined');
      }
      expect(mail.text).toContain('Acme Cloud');
      expect(mail.html).toContain(`<html lang="${locale}">`);
      if (mail.text.includes('https://')) {
        expect(mail.html).toContain(
          'href="https://app.example.com/activate?token=a.b.c&amp;x=&lt;y&gt;"',
        );
      }
    },
  );

  it('leaves no English in another language: every mail and page string is translated', () => {
    const untranslated: string[] = [];
    for (const locale of LOCALES.filter((l) => l !== 'en')) {
      const catalog = BUILT_IN_CATALOGS[locale]!;
      for (const name of TEMPLATE_NAMES) {
        const english = BUILT_IN_CATALOGS.en!.templates[name];
        const theirs = catalog.templates[name];
        expect(theirs.body.length).toBe(english.body.length);
        const pairs: Array<[string, string]> = [[english.subject, theirs.subject]];
        english.body.forEach((block, i) =>
          pairs.push([blockText(block), blockText(theirs.body[i]!)]),
        );
        for (const [en, other] of pairs) {
          if (en !== '' && en === other && !SAME_AS_ENGLISH_ALLOWED.has(en))
            untranslated.push(`${locale} mail ${name}: ${en}`);
        }
      }
      for (const [kind, en] of Object.entries(BUILT_IN_CATALOGS.en!.removed)) {
        if (catalog.removed[kind as keyof typeof catalog.removed] === en)
          untranslated.push(`${locale} mail removed.${kind}`);
      }
      const pages = PAGE_CATALOGS[locale]!;
      for (const [key, en] of Object.entries(PAGE_CATALOGS.en!)) {
        const other = pages[key as keyof typeof pages];
        if (other === undefined) untranslated.push(`${locale} page ${key}: missing`);
        else if (other === en && !SAME_AS_ENGLISH_ALLOWED.has(en))
          untranslated.push(`${locale} page ${key}: ${en}`);
      }
    }
    expect(untranslated).toEqual([]);
  });

  it('writes plural forms and durations the way each language does', () => {
    const templates = new MailTemplates({ appName: 'Acme' });
    const used = (locale: string, remaining: number) =>
      templates.render('recovery-code-used', 'a@b.co', { remaining }, locale).text;
    expect(used('en', 1)).toContain('1 unused code is left');
    expect(used('en', 2)).toContain('2 unused codes are left');
    expect(used('en', 0)).toContain('no unused codes are left');
    expect(used('de', 1)).toContain('noch 1 unbenutzten Code');
    expect(used('de', 2)).toContain('noch 2 unbenutzte Codes');
    expect(used('fr', 1)).toContain('il vous reste 1 code inutilisé');
    expect(used('fr', 2)).toContain('il vous reste 2 codes inutilisés');
    expect(used('es', 1)).toContain('le queda 1 código sin usar');
    expect(used('es', 2)).toContain('le quedan 2 códigos sin usar');

    const activation = (locale: string, ttl: number) =>
      templates.render('activation', 'a@b.co', { ttl, codeTtl: 15 * 60_000 }, locale).text;
    // Intl writes the number and its unit with a no-break space where the language wants one.
    expect(activation('de', 6 * 3600_000)).toMatch(/ist 6\sStunden lang gültig/);
    expect(activation('de', 6 * 3600_000)).toMatch(/15\sMinuten/);
    expect(activation('de', 24 * 3600_000)).toMatch(/ist 1\sTag lang gültig/);
    expect(activation('fr', 3600_000)).toMatch(/expire dans 1\sheure/);
    expect(activation('es', 2 * 86400_000)).toMatch(/caduca en 2\sdías/);
    expect(activation('en', 86400_000)).toMatch(/expires in 1\sday/);
    expect(activation('fr', 3600_000)).toMatch(/Activer mon compte\s: /);

    const reclaimed = templates.render('account-reclaimed', 'a@b.co', VARS, 'de').text;
    expect(reclaimed).toContain('- 2 Passkeys\n- Bestätigung in zwei Schritten');
  });

  it('takes a per-locale override for that locale only; the top level stays the default language’s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    mkdirSync(join(dir, 'de'));
    writeFileSync(join(dir, 'de', 'activation.subject.txt'), 'Willkommen bei {{appName}}\n');
    writeFileSync(join(dir, 'activation.subject.txt'), 'Welcome to {{appName}}\n');
    const templates = new MailTemplates({ appName: 'Acme', dir });
    expect(templates.render('activation', 'a@b.co', VARS, 'de').subject).toBe(
      'Willkommen bei Acme',
    );
    // The German body is still the built-in German one.
    expect(templates.render('activation', 'a@b.co', VARS, 'de').text).toContain('Willkommen bei');
    expect(templates.render('activation', 'a@b.co', VARS, 'en').subject).toBe('Welcome to Acme');
    expect(templates.render('activation', 'a@b.co', VARS, 'fr').subject).toBe(
      'Activez votre compte',
    );
  });

  it('writes a supported locale without built-in words in the default language', () => {
    const locales = { supported: ['en', 'de', 'it'], default: 'de' };
    const mail = new MailTemplates({ appName: 'Acme', locales }).render(
      'activation',
      'a@b.co',
      VARS,
      'it',
    );
    expect(mail.subject).toBe('Aktivieren Sie Ihr Konto');
    expect(mail.html).toContain('<html lang="de">');
    // Until MAIL_TEMPLATES_DIR/it/ provides its words; its values are then written the Italian way.
    const dir = mkdtempSync(join(tmpdir(), 'authql-templates-'));
    mkdirSync(join(dir, 'it'));
    writeFileSync(
      join(dir, 'it', 'activation.txt'),
      'Attivi il suo account entro {{ttl}}: {{link}}\n',
    );
    const italian = new MailTemplates({ appName: 'Acme', dir, locales }).render(
      'activation',
      'a@b.co',
      VARS,
      'it',
    );
    expect(italian.text).toMatch(/^Attivi il suo account entro 1\sgiorno: https:/);
    expect(italian.subject).toBe('Aktivieren Sie Ihr Konto');
  });
});

const SIGN_UP = `mutation ($email: String!, $password: String!, $locale: String) {
  signUp(input: { email: $email, password: $password, locale: $locale })
}`;
const REQUEST = `mutation ($newEmail: String!, $password: String) {
  requestEmailChange(newEmail: $newEmail, password: $password)
}`;
const ME = `{ me { email locale } }`;

async function signUp(
  server: TestServer,
  email: string,
  locale?: string,
  headers: Record<string, string> = {},
): Promise<ReceivedMail> {
  const before = server.inbox.for(email).length;
  const res = await server.gql(SIGN_UP, { email, password: PASSWORD, locale }, { headers });
  expect(res.errors).toBeUndefined();
  return server.inbox.waitFor(email, before + 1);
}

/** An active, signed-in account whose locale is `locale`. */
async function activeAccount(server: TestServer, label: string, locale: string) {
  const email = uniqueEmail(label);
  const activation = await signUp(server, email, locale);
  const res = await server.gql(
    `mutation ($token: String!) { activateAccount(token: $token) { id } }`,
    {
      token: linkToken(activation, '/activate'),
    },
  );
  expect(res.errors).toBeUndefined();
  return { email, token: (await signIn(server, email)).accessToken };
}

/** A mail from the app to an address that has no account (as an invitation to a stranger is). */
async function mailStranger(server: TestServer, email: string): Promise<ReceivedMail> {
  await transaction(server.app.orm.em.fork(), (uow) =>
    server.app.services.mailer.queue(uow, 'account-deleted', email),
  );
  return server.inbox.waitFor(email);
}

describe('mail in the recipient’s language', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { ownAppUrl: true });
  });
  afterAll(() => server.close());

  it('sends the activation mail of a sign-up with locale de in German', async () => {
    const mail = await signUp(server, uniqueEmail('de'), 'de');
    expect(mail.subject).toBe('Aktivieren Sie Ihr Konto');
    expect(mail.text).toContain('Bitte bestätigen Sie Ihre E-Mail-Adresse');
    expect(mail.text).toMatch(/1\sTag lang gültig/);
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).toContain('Konto aktivieren</a>');
  });

  it('sends the activation mail of a sign-up with Accept-Language: fr in French, and the account is fr', async () => {
    const email = uniqueEmail('fr');
    const mail = await signUp(server, email, undefined, { 'accept-language': 'fr' });
    expect(mail.subject).toBe('Activez votre compte');
    expect(mail.text).toContain('Bienvenue sur');
    expect(mail.text).toMatch(/expire dans 1\sjour/);
    const row = await server.app.orm.em.fork().findOneOrFail(User, { email });
    expect(row.locale).toBe('fr');
  });

  it('writes to an address without an account in DEFAULT_LOCALE, to one with an account in its locale', async () => {
    const owner = await activeAccount(server, 'chef', 'de');
    const created = await server.gql(
      `mutation ($name: String!) { createOrganization(name: $name) { id } }`,
      { name: 'Acme Research' },
      { token: owner.token },
    );
    expect(created.errors).toBeUndefined();
    const orgId = (created.data as { createOrganization: { id: string } }).createOrganization.id;
    const invite = async (email: string) => {
      const before = server.inbox.for(email).length;
      const res = await server.gql(
        `mutation ($orgId: ID!, $email: String!) { inviteMember(orgId: $orgId, email: $email) { id } }`,
        { orgId, email },
        { token: owner.token },
      );
      expect(res.errors).toBeUndefined();
      return server.inbox.waitFor(email, before + 1);
    };
    // Not the inviter's German: the stranger's language is unknown, so DEFAULT_LOCALE.
    const stranger = await invite(uniqueEmail('stranger'));
    expect(stranger.subject).toBe('You are invited to join Acme Research');
    const french = await activeAccount(server, 'membre', 'fr');
    expect((await invite(french.email)).subject).toBe('Invitation à rejoindre Acme Research');
  });

  it('mails a German account’s new address in German, though it has no account yet', async () => {
    const email = uniqueEmail('umzug');
    const activation = await signUp(server, email, 'de');
    const token = linkToken(activation, '/activate');
    const activated = await server.gql(
      `mutation ($token: String!) { activateAccount(token: $token) { id } }`,
      { token },
    );
    expect(activated.errors).toBeUndefined();
    const { accessToken } = await signIn(server, email);
    const newEmail = uniqueEmail('neu');
    const res = await server.gql(REQUEST, { newEmail, password: PASSWORD }, { token: accessToken });
    expect(res.errors).toBeUndefined();
    const confirm = await server.inbox.waitFor(newEmail);
    expect(confirm.subject).toBe('Bestätigen Sie Ihre neue E-Mail-Adresse');
    const notice = await server.inbox.waitFor(email, 2);
    expect(notice.subject).toBe('Eine Änderung Ihrer E-Mail-Adresse wurde angefordert');

    // The confirm page, in the language asked for; opening it changes nothing.
    const link = /https?:\/\/\S+\/confirm-email\?token=\S+/.exec(confirm.text)![0];
    const spanish = await fetch(`${link}&lang=es`);
    expect(spanish.status).toBe(200);
    const es = await spanish.text();
    expect(es).toContain('<html lang="es">');
    expect(es).toContain('Confirme el cambio de su dirección de correo');
    expect(es).toContain('Confirmar el cambio</button>');
    const german = await fetch(link, { headers: { 'accept-language': 'de-CH, en;q=0.5' } });
    const de = await german.text();
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('Änderung bestätigen</button>');
    const unknown = await fetch(`${link}&lang=xx`, { headers: { 'accept-language': 'ja' } });
    expect(await unknown.text()).toContain('<html lang="en">');
    const me = await server.gql(ME, {}, { token: accessToken });
    expect(me.data).toEqual({ me: { email, locale: 'de' } });

    // Confirmed on the page: the old address, which no longer names the account, is told in German.
    const cookie = german.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(de)![1]!;
    const done = await fetch(`${server.origin}/confirm-email`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.origin,
        cookie,
      },
      body: new URLSearchParams({ token: linkToken(confirm, '/confirm-email'), csrf, lang: 'de' }),
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`Die Adresse des Kontos lautet jetzt ${newEmail}.`);
    const changed = await server.inbox.waitFor(email, 3);
    expect(changed.subject).toBe('Ihre E-Mail-Adresse wurde geändert');
  });

  it('tells a deleted Spanish account in Spanish, though its row is gone', async () => {
    const email = uniqueEmail('weg');
    const activation = await signUp(server, email, 'es');
    const activated = await server.gql(
      `mutation ($token: String!) { activateAccount(token: $token) { id } }`,
      { token: linkToken(activation, '/activate') },
    );
    expect(activated.errors).toBeUndefined();
    const { accessToken } = await signIn(server, email);
    const res = await server.gql(DELETE_ACCOUNT, { password: PASSWORD }, { token: accessToken });
    expect(res.errors).toBeUndefined();
    const deleted = await server.inbox.waitFor(email, 2);
    expect(deleted.subject).toBe('Se ha eliminado su cuenta');
  });

  it('shows the activation page in ?lang= or the Accept-Language match, and answers its form in it', async () => {
    const mail = await signUp(server, uniqueEmail('pagina'), 'en');
    const link = /https?:\/\/\S+\/activate\?token=\S+/.exec(mail.text)![0];
    const es = await (
      await fetch(`${link}&lang=es`, { headers: { 'accept-language': 'de' } })
    ).text();
    expect(es).toContain('<html lang="es">');
    expect(es).toContain('Activar mi cuenta</button>');
    expect(es).toContain('<title>Active su cuenta · authql</title>');
    const opened = await fetch(link, { headers: { 'accept-language': 'de' } });
    const de = await opened.text();
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('Mein Konto aktivieren</button>');

    // The form carries the page's language to its answer.
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(de)![1]!;
    const lang = /name="lang" value="([^"]+)"/.exec(de)![1]!;
    const done = await fetch(`${server.origin}/activate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.origin,
        cookie,
      },
      body: new URLSearchParams({ token: linkToken(mail, '/activate'), csrf, lang }).toString(),
    });
    expect(done.status).toBe(200);
    const answer = await done.text();
    expect(answer).toContain('<html lang="de">');
    expect(answer).toContain('Ihr Konto ist aktiviert');

    // The used link's page and the resend form's error answer in German too.
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${server.origin}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: server.origin,
          cookie,
        },
        body: new URLSearchParams(fields).toString(),
      });
    const again = await post('/activate', { token: linkToken(mail, '/activate'), csrf, lang });
    expect(again.status).toBe(400);
    const used = await again.text();
    expect(used).toContain('Dieser Link wurde bereits verwendet');
    const resendCsrf = /name="csrf" value="([^"]+)"/.exec(used)![1]!;
    const bad = await post('/activate/resend', { email: 'not-an-address', csrf: resendCsrf, lang });
    expect(bad.status).toBe(422);
    const badPage = await bad.text();
    expect(badPage).toContain('Geben Sie eine gültige E-Mail-Adresse ein.');
    expect(badPage).toContain('Neuen Link senden</button>');
  });

  it('shows the problem pages in the asked language too', async () => {
    const res = await fetch(`${server.origin}/reset-password?lang=fr`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('Ce lien est incomplet');
  });
});

describe('DEFAULT_LOCALE', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DEFAULT_LOCALE: 'de' });
  });
  afterAll(() => server.close());

  it('is the language of mail to an address without an account, and of a sign-up that asks for none', async () => {
    const stranger = await mailStranger(server, uniqueEmail('fremd'));
    expect(stranger.subject).toBe('Ihr Konto wurde gelöscht');
    const mail = await signUp(server, uniqueEmail('ohne'));
    expect(mail.subject).toBe('Aktivieren Sie Ihr Konto');
    // An explicit language still wins over the default.
    const english = await signUp(server, uniqueEmail('english'), 'en');
    expect(english.subject).toBe('Activate your account');
  });
});
