import { badInput } from '../errors';

/** Lowercase letters, digits and '-', 3 to 40 characters (API.md "Organizations"). */
const SLUG = /^[a-z0-9-]{3,40}$/;
const MAX_NAME = 100;
// C0 and C1 controls, line and paragraph separators, and invisible format characters (\p{Cf}: bidi
// overrides, zero-width spaces, BOM): the name is shown in mails and UIs, where they hide or reorder text.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;

/** The name as stored: NFC, trimmed, 1 to 100 characters, no control or format characters. Throws BAD_USER_INPUT. */
export function organizationName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > MAX_NAME * 4)
    throw badInput('The name must be 1 to 100 characters.');
  const name = raw.normalize('NFC').trim();
  if (name.length < 1 || name.length > MAX_NAME)
    throw badInput('The name must be 1 to 100 characters.');
  // The name reaches mail subjects and bodies: no line breaks or other control characters.
  if (CONTROL_CHARS.test(name))
    throw badInput('The name may not contain control or invisible characters.');
  return name;
}

/** A slug given by the client, exactly as given (no silent rewriting). Throws BAD_USER_INPUT. */
export function explicitSlug(raw: unknown): string {
  if (typeof raw !== 'string' || !SLUG.test(raw))
    throw badInput('The slug must be 3 to 40 lowercase letters, digits or "-".');
  return raw;
}

/** The slug made from a name: ASCII-folded, lowercased, runs of anything else as one '-'. */
export function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    // NFKD leaves ß whole; German spells it out as "ss".
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    // Room for a "-<n>" suffix that makes it unique.
    .slice(0, 32)
    .replace(/-+$/, '');
  if (base.length >= 3) return base;
  return base ? `org-${base}` : 'org';
}

/** The `attempt`-th candidate for a derived slug: the base, then base-2, base-3… */
export function slugCandidate(base: string, attempt: number): string {
  return attempt <= 1 ? base : `${base}-${attempt}`;
}
