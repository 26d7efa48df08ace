import { badInput } from '../errors';

const MAX_EMAIL_LENGTH = 254;
// Deliberately plain: no quoted local parts, no IP literals, nothing that could smuggle a header.
const EMAIL_PATTERN =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

// CR/LF and friends would let an address inject mail headers.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Trims and lower-cases; throws BAD_USER_INPUT for anything that is not a plain address. */
export function normalizeEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw badInput('Enter a valid email address.');
  // Length first: a 10,000-character value is refused before any pattern runs.
  if (raw.length > MAX_EMAIL_LENGTH + 64) throw badInput('Enter a valid email address.');
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || CONTROL_CHARS.test(email) || !EMAIL_PATTERN.test(email)) {
    throw badInput('Enter a valid email address.');
  }
  return email;
}
