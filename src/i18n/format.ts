import { IntlMessageFormat } from 'intl-messageformat';

/** Compiled messages by locale and source: parsing ICU is the expensive part, formatting is cheap. */
const compiled = new Map<string, IntlMessageFormat>();
const MAX_COMPILED = 5000;

/**
 * Formats one ICU MessageFormat message (plural and select forms, `#`) in `locale`. Throws when the
 * message does not parse or a value it names is missing: a catalog's mistake, caught by the tests.
 */
export function formatMessage(
  locale: string,
  message: string,
  values: Record<string, string | number> = {},
): string {
  const key = `${locale}\u0000${message}`;
  let format = compiled.get(key);
  if (!format) {
    format = new IntlMessageFormat(message, locale);
    // Catalogs are finite; override files are read once. The bound only guards against misuse.
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, format);
  }
  const out = format.format(values);
  return Array.isArray(out) ? out.join('') : String(out);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A duration written out in `locale` ("24 hours", "24 Stunden", "1 heure", "15 minutos"): whole days
 * when it is a whole number of days, else whole hours, else minutes (at least one).
 */
export function formatDuration(locale: string, ms: number): string {
  const [amount, unit] =
    ms >= DAY && ms % DAY === 0
      ? [ms / DAY, 'day']
      : ms >= HOUR && ms % HOUR === 0
        ? [ms / HOUR, 'hour']
        : ms >= HOUR
          ? [Math.round((ms / HOUR) * 10) / 10, 'hour']
          : [Math.max(1, Math.round(ms / MINUTE)), 'minute'];
  return numberFormat(locale, unit).format(amount);
}

/** A number as people of `locale` write it (1,000 / 1.000 / 1 000). */
export function formatNumber(locale: string, n: number): string {
  return numberFormat(locale).format(n);
}

// Building an Intl.NumberFormat costs far more than using one: one per locale and unit, kept.
const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, unit?: string): Intl.NumberFormat {
  const key = `${locale}\u0000${unit ?? ''}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(
      locale,
      unit ? { style: 'unit', unit, unitDisplay: 'long' } : undefined,
    );
    numberFormats.set(key, format);
  }
  return format;
}
