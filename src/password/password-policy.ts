import { dictionary } from '@zxcvbn-ts/language-common';
import { badInput } from '../errors';

export const PASSWORD_MIN_BYTES = 8;
// bcrypt ignores everything after 72 bytes: longer passwords are refused rather than silently truncated.
export const PASSWORD_MAX_BYTES = 72;

// ~49,000 common passwords from zxcvbn-ts, lower-cased once at load.
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** Throws BAD_USER_INPUT with a message a person can act on; returns nothing when the password is acceptable. */
export function assertPasswordAcceptable(
  password: unknown,
  email: string,
): asserts password is string {
  if (typeof password !== 'string') throw badInput('Enter a password.');
  // A 1 MB string is refused on its length alone, before it is encoded or hashed.
  const bytes =
    password.length > PASSWORD_MAX_BYTES ? Infinity : Buffer.byteLength(password, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES)
    throw badInput('Password is too short: use at least 8 characters.');
  if (bytes > PASSWORD_MAX_BYTES) {
    throw badInput(
      'Password is too long: use at most 72 bytes (72 plain letters, fewer with accents or emoji).',
    );
  }
  // bcrypt stops at a NUL byte, which would make everything after it meaningless.
  if (password.includes('\u0000')) throw badInput('Password must not contain a NUL character.');
  const lowered = password.toLowerCase();
  if (COMMON.has(lowered) || COMMON.has(lowered.trim())) {
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
  password.length <= PASSWORD_MAX_BYTES &&
  Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES &&
  password.length > 0;
