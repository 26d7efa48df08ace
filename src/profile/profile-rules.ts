import { badInput } from '../errors';

/** What API.md allows a profile to hold. */
export const MAX_NAME_LENGTH = 100;
/** Bytes of a metadata object serialised as JSON (UTF-8): what a token's `app` claim may carry. */
export const MAX_METADATA_BYTES = 4096;

export type JsonObject = Record<string, unknown>;

/** The locales a deployment serves (SUPPORTED_LOCALES) and the one used when none is asked for. */
export interface LocaleConfig {
  readonly supported: readonly string[];
  readonly default: string;
}

// BCP 47 as used here: a language, optionally a script and a region (en, de, pt-BR, zh-Hant-TW).
const LOCALE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/;

/**
 * Parses SUPPORTED_LOCALES and DEFAULT_LOCALE (config.ts calls it and reports `problems` at boot):
 * every entry must be a BCP 47 tag, and the default must be one of them.
 */
export function parseLocales(
  supported: string,
  fallback: string,
  problems: string[],
): LocaleConfig {
  const list = [...new Set(supported.split(',').map((v) => canonicalLocale(v.trim())))].filter(
    (v) => v !== '',
  );
  const bad = list.filter((v) => !LOCALE.test(v));
  if (list.length === 0) problems.push('SUPPORTED_LOCALES must name at least one locale, e.g. en');
  if (bad.length > 0)
    problems.push(
      `SUPPORTED_LOCALES: not BCP 47 language tags: ${bad.join(', ')} (e.g. en,de,pt-BR)`,
    );
  const def = canonicalLocale(fallback.trim());
  if (!list.includes(def))
    problems.push(
      `DEFAULT_LOCALE (${fallback}) must be one of SUPPORTED_LOCALES (${list.join(',')})`,
    );
  return { supported: list, default: def };
}

/** en-us → en-US, ZH-hant → zh-Hant: the case BCP 47 recommends, so comparisons are exact. */
export function canonicalLocale(tag: string): string {
  return tag
    .split(/[-_]/)
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 4) return part[0]!.toUpperCase() + part.slice(1).toLowerCase();
      return part.length === 2 ? part.toUpperCase() : part.toLowerCase();
    })
    .join('-');
}

/** A locale from input, or BAD_USER_INPUT when it is not one the deployment supports. */
export function checkLocale(value: unknown, locales: LocaleConfig): string {
  if (typeof value !== 'string' || value.length > 35)
    throw badInput(`locale must be one of ${locales.supported.join(', ')}.`);
  const tag = canonicalLocale(value.trim());
  if (!locales.supported.includes(tag))
    throw badInput(`locale must be one of ${locales.supported.join(', ')}.`);
  return tag;
}

/**
 * The best supported locale an Accept-Language header asks for (by q, then order; `de-AT` falls back to
 * `de`), else the default.
 */
export function negotiateLocale(header: string | null | undefined, locales: LocaleConfig): string {
  if (!header || header.length > 1000) return locales.default;
  const asked = header
    .split(',')
    .slice(0, 20)
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, order };
    })
    .filter((a) => a.tag !== '' && a.tag !== '*' && a.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of asked) {
    const canonical = canonicalLocale(tag);
    if (locales.supported.includes(canonical)) return canonical;
    const language = canonical.split('-')[0]!;
    if (locales.supported.includes(language)) return language;
  }
  return locales.default;
}

/** A display name: trimmed, at most 100 characters, one line; '' and null clear it. Throws BAD_USER_INPUT. */
export function checkName(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw badInput('name must be a string.');
  const name = value.normalize('NFC').trim();
  if ([...name].length > MAX_NAME_LENGTH)
    throw badInput(`name must be at most ${MAX_NAME_LENGTH} characters.`);
  // Names appear in mails and pages: no line breaks or other control characters.
  if (/\p{Cc}/u.test(name)) throw badInput('name must not contain control characters.');
  return name === '' ? null : name;
}

/**
 * A metadata object (`metadata`, `appMetadata`): a JSON object (not an array, string or null) of at most
 * 4 KB serialised. Throws BAD_USER_INPUT naming `field`.
 */
export function checkMetadata(value: unknown, field: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badInput(`${field} must be a JSON object.`);
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > MAX_METADATA_BYTES)
    throw badInput(`${field} must be at most ${MAX_METADATA_BYTES} bytes as JSON (got ${bytes}).`);
  return value as JsonObject;
}

/** A stored metadata column as read raw: SQLite hands back JSON text, PostgreSQL a parsed jsonb. */
export function parseStoredMetadata(value: unknown): JsonObject {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as JsonObject)
    : {};
}
