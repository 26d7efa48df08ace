import type * as ZxcvbnCommon from '@zxcvbn-ts/language-common';
import { badInput } from '../errors';
import { lazy, lazyRequire } from '../lazy';

export const PASSWORD_MIN_BYTES = 8;
// bcrypt ignores everything after 72 bytes: longer passwords are refused rather than silently truncated.
export const PASSWORD_MAX_BYTES = 72;

// ~49,000 common passwords from zxcvbn-ts, lower-cased once, at the first password checked: decompressing
// the dictionary is ~60 ms that a start-up (and every process that never checks a password) need not pay.
const zxcvbnCommon = lazyRequire<typeof ZxcvbnCommon>('@zxcvbn-ts/language-common');
const common = lazy(
  () => new Set(zxcvbnCommon().dictionary['passwords-common'].map((p) => p.toLowerCase())),
);

// NFC can shrink a string to a third of its UTF-16 length at most (Hangul jamo): anything longer stays too long.
const NORMALIZE_MAX_LENGTH = 3 * PASSWORD_MAX_BYTES;

/**
 * NFC form of a password (the same visible passphrase typed on any device gives the same bytes);
 * strings too long to ever be accepted are returned as they are, unnormalised, to skip the work.
 */
export function normalizePassword<T>(password: T): T {
  return (
    typeof password === 'string' && password.length <= NORMALIZE_MAX_LENGTH
      ? password.normalize('NFC')
      : password
  ) as T;
}

/** Throws BAD_USER_INPUT with a message a person can act on; returns nothing when the password is acceptable. */
export function assertPasswordAcceptable(
  password: unknown,
  email: string,
): asserts password is string {
  if (typeof password !== 'string') throw badInput('Enter a password.');
  const nfc = normalizePassword(password);
  // A 1 MB string is refused on its length alone, before it is encoded or hashed.
  const bytes = nfc.length > PASSWORD_MAX_BYTES ? Infinity : Buffer.byteLength(nfc, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES)
    throw badInput('Password is too short: use at least 8 characters.');
  if (bytes > PASSWORD_MAX_BYTES) {
    throw badInput(
      'Password is too long: use at most 72 bytes (72 plain letters, fewer with accents or emoji).',
    );
  }
  // bcrypt stops at a NUL byte, which would make everything after it meaningless.
  if (nfc.includes('\u0000')) throw badInput('Password must not contain a NUL character.');
  const lowered = nfc.toLowerCase();
  if (common().has(lowered) || common().has(lowered.trim())) {
    throw badInput('This password is too common: choose one that is harder to guess.');
  }
  const localPart = email.split('@')[0] ?? '';
  if (lowered === email || lowered === localPart || lowered.trim() === email) {
    throw badInput('Password must not be your email address.');
  }
}

/** Cheap shape check for sign-in: never hash what could not be a valid password. */
export const couldBePassword = (password: unknown): password is string =>
  typeof password === 'string' &&
  password.length > 0 &&
  password.length <= NORMALIZE_MAX_LENGTH &&
  Buffer.byteLength(password.normalize('NFC'), 'utf8') <= PASSWORD_MAX_BYTES;
