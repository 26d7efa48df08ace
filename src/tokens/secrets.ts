import { hkdfSync } from 'node:crypto';

/**
 * Every server key is derived from JWT_SECRET with HKDF-SHA256 and a label of its own, so no two uses
 * (access tokens, emailed links, the refresh chain, the outbox cipher, CSRF) ever share a key. Retired
 * secrets (JWT_PREVIOUS_SECRETS) derive the keys that what they made may still be checked with.
 */
export class ServerSecrets {
  private readonly derived = new Map<string, Buffer[]>();

  constructor(
    private readonly current: string,
    private readonly previous: readonly string[],
  ) {}

  /** The key new data is made with: HKDF-SHA256 of JWT_SECRET with this label. */
  key(label: string): Buffer {
    return this.keys(label)[0]!;
  }

  /** The current key first, then one per previous secret: what old data may have been made with. */
  keys(label: string): Buffer[] {
    let keys = this.derived.get(label);
    if (!keys) {
      keys = [this.current, ...this.previous].map((secret) => derive(secret, label));
      this.derived.set(label, keys);
    }
    return keys;
  }

  /** The raw secrets, current first: only for keys made before per-label derivation (upgrades). */
  legacySecrets(): string[] {
    return [this.current, ...this.previous];
  }
}

/** The labels of every derived key: one place, so two uses can never pick the same one. */
export const KeyLabel = {
  ACCESS_TOKEN: 'authql access-token hs256 v2',
  EMAIL_TOKEN: 'authql email-token hs256 v2',
  REFRESH_SUCCESSOR: 'authql refresh successor v2',
  OUTBOX: 'authql mail outbox v2',
  CSRF: 'authql pages csrf v2',
  TOTP_SECRET: 'authql totp secret v1',
  EMAIL_CODE: 'authql email code v1',
  RECOVERY_CODE: 'authql recovery code v1',
  /** Recorded in server_settings, never used as a key: tells a CLI whether its secret is the server's. */
  KEY_FINGERPRINT: 'authql key fingerprint v1',
} as const;

function derive(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), label, 32));
}
