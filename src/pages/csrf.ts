import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';

export const CSRF_COOKIE = 'authql_pages_csrf';
export const CSRF_FIELD = 'csrf';
const NONCE = /^[A-Za-z0-9_-]{24}$/;

/** Which form a token was issued for: a token for one form is refused by every other. */
export type FormName = 'activate' | 'resend' | 'reset' | 'confirm-email';

/**
 * Signed double-submit: a random nonce in an HttpOnly SameSite=Strict cookie, and in the form
 * `<issuedAt>.<HMAC(key, form, nonce, issuedAt)>`. A cross-site page can neither read the cookie nor
 * forge the MAC. On top of that, browsers' Sec-Fetch-Site / Origin must say the post came from here.
 */
export class CsrfGuard {
  /** The current key issues; every key verifies, so a form opened before a secret rotation still posts. */
  private readonly keys: Buffer[];

  constructor(
    secrets: ServerSecrets,
    private readonly appOrigin: string,
    private readonly maxAgeSec = 2 * 3600,
  ) {
    this.keys = secrets.keys(KeyLabel.CSRF);
  }

  /** Returns the hidden field value for `form`, (re)setting the cookie it is bound to. */
  issue(req: Request, res: Response, form: FormName): string {
    const current = readCookie(req, CSRF_COOKIE);
    const nonce = current && NONCE.test(current) ? current : randomBytes(18).toString('base64url');
    res.cookie(CSRF_COOKIE, nonce, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.appOrigin.startsWith('https:'),
      path: '/',
      maxAge: this.maxAgeSec * 1000,
    });
    const issuedAt = Math.floor(Date.now() / 1000);
    return `${issuedAt}.${this.mac(this.keys[0]!, form, nonce, issuedAt)}`;
  }

  /** True only for a same-origin post carrying the cookie and a fresh, matching token for `form`. */
  verify(req: Request, form: FormName, submitted: unknown): boolean {
    if (!this.sameOrigin(req)) return false;
    const nonce = readCookie(req, CSRF_COOKIE);
    if (!nonce || !NONCE.test(nonce) || typeof submitted !== 'string') return false;
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(submitted);
    if (!match) return false;
    const issuedAt = Number(match[1]);
    const age = Math.floor(Date.now() / 1000) - issuedAt;
    if (age < -60 || age > this.maxAgeSec) return false;
    const given = Buffer.from(match[2]!);
    return this.keys.some((key) => {
      const expected = Buffer.from(this.mac(key, form, nonce, issuedAt));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  private sameOrigin(req: Request): boolean {
    // Fetch metadata, sent by every current browser, is the browser's own word on where a post came from.
    const site = req.get('sec-fetch-site');
    if (site !== undefined) return site === 'same-origin';
    // Older browsers: a foreign Origin is refused. Under `Referrer-Policy: no-referrer` browsers send
    // `Origin: null` even for same-origin posts, so null (or none, outside browsers) leaves it to the token.
    const origin = req.get('origin');
    if (origin === undefined || origin === 'null') return true;
    return origin === this.appOrigin || origin === `${req.protocol}://${req.get('host') ?? ''}`;
  }

  private mac(key: Buffer, form: FormName, nonce: string, issuedAt: number): string {
    return createHmac('sha256', key).update(`${form}\n${nonce}\n${issuedAt}`).digest('base64url');
  }
}

/** One cookie of the request, or undefined. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
