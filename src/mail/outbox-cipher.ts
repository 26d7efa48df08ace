import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { MailMessage } from './transport';

/** AES-256-GCM for outbox payloads: a database dump alone must not reveal pending activation or reset links. */
export class OutboxCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('authql mail outbox v1').digest();
  }

  seal(message: MailMessage | object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(message), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open<T = MailMessage>(payload: string): T {
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as T;
  }
}
