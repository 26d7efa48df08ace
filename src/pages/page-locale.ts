import { formatMessage } from '../i18n/format';
import { canonicalLocale, negotiateLocale, type LocaleConfig } from '../profile/profile-rules';
import { PAGE_CATALOGS, type PageKey } from './page-messages';

/** A page's language: `lang` for `<html lang>` and links, `say` for its words. */
export interface PageText {
  readonly lang: string;
  say(key: PageKey, values?: Record<string, string | number>): string;
}

/**
 * The language of a page: `?lang=` when the deployment supports it, else the best Accept-Language
 * match, else DEFAULT_LOCALE. A supported locale without built-in page words gets the default's.
 */
export function pageText(
  lang: unknown,
  acceptLanguage: string | undefined,
  locales: LocaleConfig,
): PageText {
  const asked = typeof lang === 'string' && lang.length <= 35 ? canonicalLocale(lang.trim()) : '';
  const chosen = locales.supported.includes(asked)
    ? asked
    : negotiateLocale(acceptLanguage, locales);
  const used = PAGE_CATALOGS[chosen]
    ? chosen
    : PAGE_CATALOGS[locales.default]
      ? locales.default
      : 'en';
  const catalog = PAGE_CATALOGS[used]!;
  return { lang: used, say: (key, values) => formatMessage(used, catalog[key], values) };
}
