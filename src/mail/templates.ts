import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailMessage } from './transport';
import { escapeHtml } from '../escape-html';
import { formatDuration, formatMessage, formatNumber } from '../i18n/format';
import type { LocaleConfig } from '../profile/profile-rules';
import {
  BUILT_IN_CATALOGS,
  type MailBlock,
  type MailCatalog,
  type MailText,
  RECLAIMED_KINDS,
} from './locales';
import { TEMPLATE_NAMES, type TemplateName } from './template-names';

export { TEMPLATE_NAMES, type TemplateName } from './template-names';

/** One kind of thing a reclaim removed: `kind` names its line in the catalog, `text` is the English fallback. */
export interface RemovedItem {
  kind: string;
  count: number;
  text: string;
}

export interface TemplateVars {
  /** Only the mails with a link use these. */
  link?: string;
  /** How long the link lives: milliseconds (written out in the mail's language), or text as is. */
  ttl?: number | string;
  /** The 6-digit code (activation, reset-password, sign-in-code) and how long it lives (as `ttl`). */
  code?: string;
  codeTtl?: number | string;
  /** recovery-code-used: how many unused recovery codes are left. */
  remaining?: number;
  /** account-reclaimed: what was removed. */
  removed?: readonly RemovedItem[];
  /** org-invitation: the organization's name and the inviter's address. */
  orgName?: string;
  inviter?: string;
  /** The email-change mails: the address the account moves to. */
  newEmail?: string;
}

/** One template's three parts as `{{var}}` text: what MAIL_TEMPLATES_DIR files hold. */
interface Override {
  subject?: string;
  text?: string;
  html?: string;
}
type Part = keyof Override;

const PARTS = { subject: 'subject.txt', text: 'txt', html: 'html' } as const;
const KNOWN_VARS = new Set([
  'appName',
  'email',
  'link',
  'ttl',
  'code',
  'codeTtl',
  'remaining',
  'removed',
  'orgName',
  'inviter',
  'newEmail',
]);

/** Placeholders a subject may not carry: a subject shows on lock screens and in notification previews. */
const SECRET_VARS: ReadonlySet<string> = new Set(['code', 'link']);
const NONE: ReadonlySet<string> = new Set();

const CODE_STYLE = 'font-size:1.4em;letter-spacing:0.2em';
/** Any deployment that sets no SUPPORTED_LOCALES: the built-in languages, English first. */
const BUILT_IN_LOCALES: LocaleConfig = { supported: ['en', 'de', 'fr', 'es'], default: 'en' };

/** The English catalog's templates: the names every language must have. */
export const DEFAULT_TEMPLATES: Readonly<Record<TemplateName, MailText>> =
  BUILT_IN_CATALOGS.en!.templates;

export class TemplateError extends Error {}

export interface MailTemplatesOptions {
  /** The product name the mails speak for (APP_NAME). */
  appName: string;
  /** MAIL_TEMPLATES_DIR: override files per locale and template; null or absent for none. */
  dir?: string | null;
  /** The languages mail is written in; default the built-in ones. */
  locales?: LocaleConfig;
}

/**
 * Renders the mails in the recipient's language. Built-in wording comes from one ICU MessageFormat
 * catalog per language (src/mail/locales); a deployer's `{{name}}` files in MAIL_TEMPLATES_DIR replace
 * any part: `<dir>/<locale>/<name>.<part>` for one language, `<dir>/<name>.<part>` for the default
 * language. A supported locale without a built-in catalog (and without its own file) gets the default
 * language's text. Values are HTML-escaped in the HTML part and stripped of line breaks in the subject
 * (no header injection).
 */
export class MailTemplates {
  /** Override files by locale, then template, read and checked once at boot. */
  private readonly overrides = new Map<string, Partial<Record<TemplateName, Override>>>();

  private readonly appName: string;
  private readonly locales: LocaleConfig;

  /** Reads and checks every override once; throws TemplateError naming the file at fault. */
  constructor({ appName, dir = null, locales = BUILT_IN_LOCALES }: MailTemplatesOptions) {
    this.appName = appName;
    this.locales = locales;
    if (!dir) return;
    for (const locale of locales.supported) {
      const found: Partial<Record<TemplateName, Override>> = {};
      for (const name of TEMPLATE_NAMES) {
        const own = readOverride(join(dir, locale), name);
        // The top level is the default language's (the layout before there were languages).
        const top = locale === locales.default ? readOverride(dir, name) : {};
        const merged = { ...top, ...own };
        if (Object.keys(merged).length > 0) found[name] = merged;
      }
      this.overrides.set(locale, found);
    }
  }

  /** The locale whose text a mail in `locale` is written from: itself if it has any, else the default. */
  private textLocale(locale: string): string {
    return this.locales.supported.includes(locale) ? locale : this.locales.default;
  }

  /** Renders `name` for `to` in `locale` (DEFAULT_LOCALE when absent or not supported). */
  render(
    name: TemplateName,
    to: string,
    vars: TemplateVars = {},
    locale: string = this.locales.default,
  ): MailMessage {
    const lang = this.textLocale(locale);
    const own = this.overrides.get(lang)?.[name] ?? {};
    // A language with neither a catalog nor this file: the default language's file, then its catalog.
    const fallback = BUILT_IN_CATALOGS[lang]
      ? {}
      : (this.overrides.get(this.locales.default)?.[name] ?? {});
    const catalogLang = BUILT_IN_CATALOGS[lang] ? lang : this.defaultCatalogLocale();
    // Numbers and durations follow the language the words are in.
    const wordsLang = (part: Part) =>
      own[part] !== undefined
        ? lang
        : fallback[part] !== undefined
          ? this.locales.default
          : catalogLang;
    const catalog = BUILT_IN_CATALOGS[catalogLang]!;

    const part = (which: Part): string => {
      const file = own[which] ?? fallback[which];
      const at = wordsLang(which);
      if (file !== undefined) return fillOverride(file, which, this.flatValues(at, to, vars));
      return renderBuiltIn(catalog, name, which, at, this.icuValues(at, to, vars));
    };
    return {
      to,
      subject: part('subject')
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      text: part('text'),
      html: part('html'),
    };
  }

  private defaultCatalogLocale(): string {
    return BUILT_IN_CATALOGS[this.locales.default] ? this.locales.default : 'en';
  }

  /** The values an ICU catalog message takes (`remaining` stays a number for its plural). */
  private icuValues(
    locale: string,
    to: string,
    vars: TemplateVars,
  ): Record<string, string | number> {
    // A locale without built-in words lists what a reclaim removed in the default language's.
    const listLang = BUILT_IN_CATALOGS[locale] ? locale : this.defaultCatalogLocale();
    return {
      appName: this.appName,
      email: to,
      link: vars.link ?? '',
      ttl: duration(locale, vars.ttl),
      code: vars.code ?? '',
      codeTtl: duration(locale, vars.codeTtl),
      remaining: vars.remaining ?? 0,
      removed: removedLines(listLang, BUILT_IN_CATALOGS[listLang]!, vars.removed),
      orgName: vars.orgName ?? '',
      inviter: vars.inviter ?? '',
      newEmail: vars.newEmail ?? '',
    };
  }

  /** The values a `{{var}}` override file takes: all text, numbers written out in its language. */
  private flatValues(locale: string, to: string, vars: TemplateVars): Record<string, string> {
    const values = this.icuValues(locale, to, vars);
    return {
      ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
      remaining: vars.remaining === undefined ? '' : formatNumber(locale, vars.remaining),
    };
  }
}

function duration(locale: string, value: number | string | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'number' ? formatDuration(locale, value) : value;
}

/** account-reclaimed's list: one `- ` line per kind, in the catalog's words where it has them. */
function removedLines(
  locale: string,
  catalog: MailCatalog,
  removed: readonly RemovedItem[] | undefined,
): string {
  return (removed ?? [])
    .map((item) => {
      const message = (RECLAIMED_KINDS as readonly string[]).includes(item.kind)
        ? catalog.removed[item.kind as (typeof RECLAIMED_KINDS)[number]]
        : undefined;
      return `- ${message ? formatMessage(locale, message, { count: item.count }) : item.text}`;
    })
    .join('\n');
}

/** A `{{var}}` file filled in: escaped for HTML, and never a secret in a subject. */
function fillOverride(source: string, part: Part, values: Record<string, string>): string {
  const escape = part === 'html' ? escapeHtml : (v: string) => v;
  const withheld = part === 'subject' ? SECRET_VARS : NONE;
  return source.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, key: string) =>
    withheld.has(key) ? '' : escape(values[key] ?? ''),
  );
}

/** A built-in template's part from its catalog blocks. */
function renderBuiltIn(
  catalog: MailCatalog,
  name: TemplateName,
  part: Part,
  locale: string,
  values: Record<string, string | number>,
): string {
  const template = catalog.templates[name];
  if (part === 'subject') {
    // Secrets never reach a subject, whatever a catalog says.
    return formatMessage(locale, template.subject, { ...values, code: '', link: '' });
  }
  if (part === 'text') {
    const say = (message: string) => formatMessage(locale, message, values);
    const linkLine = (label: string) =>
      formatMessage(locale, catalog.linkLine, { label, link: String(values.link) });
    return template.body.map((block) => textBlock(block, say, linkLine)).join('\n\n') + '\n';
  }
  // HTML: every value escaped; the code set off so it reads at a glance.
  const escaped: Record<string, string | number> = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? escapeHtml(v) : v]),
  );
  escaped.code = `<strong style="${CODE_STYLE}">${escapeHtml(String(values.code))}</strong>`;
  const say = (message: string) => formatMessage(locale, message, escaped);
  const body = template.body.map((block) => htmlBlock(block, say, escaped)).join('\n');
  return htmlPage(locale, body);
}

function textBlock(
  block: MailBlock,
  say: (message: string) => string,
  linkLine: (label: string) => string,
): string {
  if (typeof block === 'string') return say(block);
  if ('link' in block) return linkLine(say(block.link));
  return say('{removed}');
}

function htmlBlock(
  block: MailBlock,
  say: (message: string) => string,
  escaped: Record<string, string | number>,
): string {
  if (typeof block === 'string') return `<p>${say(block)}</p>`;
  if ('link' in block) return `<p><a href="${escaped.link}">${say(block.link)}</a></p>`;
  return `<pre style="font-family:inherit">${escaped.removed}</pre>`;
}

const htmlPage = (locale: string, body: string) =>
  `<!doctype html>\n<html lang="${escapeHtml(locale)}"><body style="font-family:sans-serif;line-height:1.5">\n${body}\n</body></html>\n`;

/** The parts of `name` found in `dir` (one folder: the top level or a locale's). */
function readOverride(dir: string, name: TemplateName): Override {
  const result: Override = {};
  for (const [part, suffix] of Object.entries(PARTS) as Array<[Part, string]>) {
    const file = join(dir, `${name}.${suffix}`);
    if (!existsSync(file)) continue;
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      if (!KNOWN_VARS.has(match[1]!)) {
        throw new TemplateError(
          `${file}: unknown placeholder {{${match[1]}}} (known: ${[...KNOWN_VARS].join(', ')})`,
        );
      }
      if (part === 'subject' && SECRET_VARS.has(match[1]!)) {
        throw new TemplateError(
          `${file}: {{${match[1]}}} may not be in a subject (lock screens and previews show it); put it in the body`,
        );
      }
    }
    result[part] = part === 'subject' ? source.trim() : source;
  }
  return result;
}

/** A number no real value is: the exported `{{remaining}}` takes its place in the plural's `other` form. */
const REMAINING_MARK = 987654321;

/**
 * The file names a deployer may create in MAIL_TEMPLATES_DIR (or in a locale's folder in it), with the
 * built-in content of each in `locale`, as `{{var}}` templates. Plural forms become their `other` form.
 */
export function templateFiles(locale = 'en'): Array<{ file: string; content: string }> {
  const catalog = BUILT_IN_CATALOGS[locale] ?? BUILT_IN_CATALOGS.en!;
  const lang = BUILT_IN_CATALOGS[locale] ? locale : 'en';
  const mark = formatNumber(lang, REMAINING_MARK);
  const values: Record<string, string | number> = Object.fromEntries(
    [...KNOWN_VARS].map((v) => [v, `{{${v}}}`]),
  );
  values.remaining = REMAINING_MARK;
  return TEMPLATE_NAMES.flatMap((name) =>
    (Object.entries(PARTS) as Array<[Part, string]>).map(([part, suffix]) => {
      let content = renderBuiltIn(catalog, name, part, lang, values);
      content = content.split(mark).join('{{remaining}}');
      if (part === 'html') {
        // The code's emphasis wraps its placeholder, not an escaped copy of it.
        content = content.split(escapeHtml('{{code}}')).join('{{code}}');
      }
      if (part === 'subject') content = content.replace(/\{\{(code|link)\}\}/g, '').trim() + '\n';
      return { file: `${name}.${suffix}`, content };
    }),
  );
}
