import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { lazy } from '../lazy';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';

// Loaded at the first use of a second factor: most requests (and every start-up) never need them.
const otplib = lazy(() => import('otplib'));
const qrcode = lazy(() => import('qrcode'));

const FORMAT = 'v1';
const SIX_DIGITS = /^\d{6}$/;

/**
 * RFC 6238 as authenticator apps expect it (SHA-1, 6 digits, 30 s) with one step of clock drift either
 * way. Secrets are stored sealed with AES-256-GCM under a key of their own, derived from JWT_SECRET; a
 * retired secret (JWT_PREVIOUS_SECRETS) still opens what it sealed.
 */
export class Totp {
  constructor(
    private readonly secrets: ServerSecrets,
    /** The issuer authenticator apps show beside the account (APP_NAME). */
    private readonly issuer: string,
  ) {}

  /** A new Base32 secret of 160 bits (RFC 4226's recommended length). */
  async newSecret(): Promise<string> {
    return (await otplib()).generateSecret({ length: 20 });
  }

  async uri(secret: string, email: string): Promise<string> {
    return (await otplib()).generateURI({ issuer: this.issuer, label: email, secret });
  }

  async qrCodeSvg(uri: string): Promise<string> {
    const { default: QRCode } = await qrcode();
    return QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  }

  /**
   * The time step `code` belongs to, or null when it is wrong, or of step `afterStep` or earlier (a
   * replay: each step is accepted once per account).
   */
  async verify(secret: string, code: string, afterStep: number | null): Promise<number | null> {
    if (!SIX_DIGITS.test(code)) return null;
    const result = (await otplib()).verifySync({
      secret,
      token: code,
      epochTolerance: 30,
      ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secrets.key(KeyLabel.TOTP_SECRET), iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `${FORMAT}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** Throws when no current or retired key opens it (the secret was sealed under another JWT_SECRET). */
  open(sealed: string): string {
    const [format, payload] = sealed.split('.');
    if (format !== FORMAT || !payload) throw new Error('unknown TOTP secret format');
    const raw = Buffer.from(payload, 'base64url');
    for (const key of this.secrets.keys(KeyLabel.TOTP_SECRET)) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        // Sealed under another key: try the next one.
      }
    }
    throw new Error('no current or previous secret opens this TOTP secret');
  }
}
