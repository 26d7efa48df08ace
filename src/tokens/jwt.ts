import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from '../users/role';

export type TokenKind = 'access' | 'activation' | 'reset';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
}

export interface EmailTokenClaims {
  sub: string;
  jti: string;
  iat: number;
  exp: number;
}

export type VerifyResult<T> =
  { ok: true; claims: T } | { ok: false; reason: 'invalid' | 'expired' };

export interface JwtOptions {
  secret: string;
  issuer: string;
  audience: string;
  clockSkewSec: number;
}

const ALGORITHM = 'HS256' as const;
// Bounds a hostile Authorization header before any parsing or HMAC work.
const MAX_TOKEN_LENGTH = 4096;
// Access tokens already verified, so a client sending the same token again costs a Map lookup, not a
// jsonwebtoken run (~45 µs, most of `me`). Keyed by the exact token string; bounded, oldest evicted.
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies every JWT authql issues. The algorithm is pinned, `exp` is required, and each kind
 * has its own audience, so an activation link is never an access token and vice versa.
 */
export class JwtService {
  // jsonwebtoken is ~60x faster with a KeyObject than with a string secret (STACK-NOTES).
  private readonly key: KeyObject;
  private readonly verified = new Map<string, AccessClaims>();
  readonly kid: string;

  constructor(private readonly options: JwtOptions) {
    this.key = createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.kid = createHash('sha256').update(options.secret).digest('base64url').slice(0, 16);
  }

  private audienceOf(kind: TokenKind): string {
    return kind === 'access' ? this.options.audience : `${this.options.audience}:${kind}`;
  }

  signAccess(
    claims: { sub: string; sid: string; role: Role },
    ttlSec: number,
  ): { token: string; jti: string } {
    const jti = randomUUID();
    const token = jwt.sign({ sid: claims.sid, role: claims.role, typ: 'access' }, this.key, {
      algorithm: ALGORITHM,
      expiresIn: ttlSec,
      subject: claims.sub,
      issuer: this.options.issuer,
      audience: this.audienceOf('access'),
      jwtid: jti,
      keyid: this.kid,
    });
    return { token, jti };
  }

  signEmailToken(kind: 'activation' | 'reset', sub: string, jti: string, ttlSec: number): string {
    return jwt.sign({ typ: kind }, this.key, {
      algorithm: ALGORITHM,
      expiresIn: ttlSec,
      subject: sub,
      issuer: this.options.issuer,
      audience: this.audienceOf(kind),
      jwtid: jti,
      keyid: this.kid,
    });
  }

  verifyAccess(token: string): VerifyResult<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      // The same expiry rule as jsonwebtoken's: expired once now >= exp + clock tolerance.
      if (Math.floor(Date.now() / 1000) < known.exp + this.options.clockSkewSec)
        return { ok: true, claims: known };
      this.verified.delete(token);
      return { ok: false, reason: 'expired' };
    }
    const result = this.verify(token, 'access');
    if (!result.ok) return result;
    const c = result.claims;
    if (typeof c.sid !== 'string' || typeof c.role !== 'string')
      return { ok: false, reason: 'invalid' };
    const claims = Object.freeze(c) as unknown as AccessClaims;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
    return { ok: true, claims };
  }

  verifyEmailToken(token: string, kind: 'activation' | 'reset'): VerifyResult<EmailTokenClaims> {
    const result = this.verify(token, kind);
    if (!result.ok) return result;
    return { ok: true, claims: result.claims as unknown as EmailTokenClaims };
  }

  private verify(token: string, kind: TokenKind): VerifyResult<jwt.JwtPayload> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      return { ok: false, reason: 'invalid' };
    }
    try {
      const decoded = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.options.issuer,
        audience: this.audienceOf(kind),
        clockTolerance: this.options.clockSkewSec,
        complete: true,
      });
      const { header, payload } = decoded;
      // The key is never chosen by the token: a foreign kid means a key we do not hold.
      if (header.kid !== undefined && header.kid !== this.kid)
        return { ok: false, reason: 'invalid' };
      if (typeof payload === 'string') return { ok: false, reason: 'invalid' };
      // jsonwebtoken only checks exp when present: a token without one would never expire.
      if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number')
        return { ok: false, reason: 'invalid' };
      if (
        payload.typ !== kind ||
        typeof payload.sub !== 'string' ||
        typeof payload.jti !== 'string'
      ) {
        return { ok: false, reason: 'invalid' };
      }
      return { ok: true, claims: payload };
    } catch (err) {
      return { ok: false, reason: err instanceof jwt.TokenExpiredError ? 'expired' : 'invalid' };
    }
  }
}
