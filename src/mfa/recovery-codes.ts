import { createHmac, randomInt } from 'node:crypto';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';

export const RECOVERY_CODE_COUNT = 10;
// Crockford's Base32 alphabet: no I, L, O or U to misread. 10 characters carry 50 random bits.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 10;
const NORMALIZED = /^[0-9a-hjkmnp-tv-z]{10}$/;

/**
 * Recovery codes: shown once, stored as a keyed hash (a database dump alone cannot test guesses), each
 * spent once. Shown as `xxxxx-xxxxx`; typed with or without the dash, in either case.
 */
export class RecoveryCodes {
  constructor(private readonly secrets: ServerSecrets) {}

  /** Fresh codes to show, with the hashes to store. */
  generate(): Array<{ code: string; codeHash: string }> {
    return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
      let raw = '';
      for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
      return {
        code: `${raw.slice(0, 5)}-${raw.slice(5)}`,
        codeHash: this.digest(this.secrets.key(KeyLabel.RECOVERY_CODE), raw),
      };
    });
  }

  /** The stored hashes `typed` may have, one per current or retired secret; empty if it cannot be a code. */
  candidateHashes(typed: string): string[] {
    const raw = typed.toLowerCase().replace(/[\s-]+/g, '');
    if (!NORMALIZED.test(raw)) return [];
    return this.secrets.keys(KeyLabel.RECOVERY_CODE).map((key) => this.digest(key, raw));
  }

  private digest(key: Buffer, raw: string): string {
    return createHmac('sha256', key).update(raw).digest('hex');
  }
}
