import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';
import type { MailMessage } from './transport';

/** AES-256-GCM for outbox payloads: a database dump alone must not reveal pending activation or reset links. */
export class OutboxCipher {
  /** The current key seals; every key opens, so mail queued before a secret rotation is still sent. */
  private readonly keys: Buffer[];

  constructor(secrets: ServerSecrets) {
    this.keys = [
      ...secrets.keys(KeyLabel.OUTBOX),
      // Mail queued before keys were derived with HKDF.
      ...secrets
        .legacySecrets()
        .map((s) => createHmac('sha256', s).update('authql mail outbox v1').digest()),
    ];
  }

  seal(message: MailMessage | object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(message), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when no key opens it (sealed with a secret no longer configured). */
  open<T = MailMessage>(payload: string): T {
    const raw = Buffer.from(payload, 'base64');
    for (const key of this.keys) {
      try {
        return openWith(key, raw) as T;
      } catch {
        // GCM's tag check failed: try the next key.
      }
    }
    throw new Error('no configured secret opens this payload');
  }
}

function openWith(key: Buffer, raw: Buffer): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
    'utf8',
  );
  return JSON.parse(text) as unknown;
}
