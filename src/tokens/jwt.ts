import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { BoundedMap } from '../cache/bounded-map';
import { isOrgRole, type OrgRole } from '../organizations/org-role';
import type { Role } from '../users/role';
import { KeyLabel, type ServerSecrets } from './secrets';
import { parsePrivateKey, parsePublicKeys, type PublicJwk, type VerificationKey } from './keys';

export type TokenKind = 'access' | EmailTokenKind;
/** Emailed tokens: one audience each, named after their one-time-token purpose. */
export type EmailTokenKind = 'activation' | 'reset' | 'email_change' | 'email_change_old';

/** The organization a session switched to, as its tokens carry it (`org`, `org_role`). */
export interface OrgClaim {
  org: string;
  role: OrgRole;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  /** RFC 8176 authentication methods: ["pwd"], ["pwd","otp"], ["email"], ["hwk","user"], ["fed"]. */
  amr: string[];
  /** When the user last proved a factor in this session (seconds; a refresh keeps it). */
  auth_time?: number;
  /** The organization chosen with switchOrganization and the member's role in it; absent otherwise. */
  org?: string;
  org_role?: OrgRole;
  /** The user's appMetadata (written by admins), absent when empty. */
  app?: Record<string, unknown>;
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
  /** Derives the HS256 keys: of access tokens when no private key is set, and always of emailed tokens. */
  secrets: ServerSecrets;
  /** PEM (RS256 or ES256): signs access tokens; its public key is published in the JWKS. */
  privateKeyPem?: string | null;
  /** Concatenated PEM public keys still accepted for access tokens (rotation). */
  previousPublicKeysPem?: string | null;
  issuer: string;
  audience: string;
  clockSkewSec: number;
}

const HMAC_ALGORITHM = 'HS256' as const;

type Algorithm = 'HS256' | VerificationKey['alg'];

interface KeyEntry {
  alg: Algorithm;
  key: KeyObject;
}

// Bounds a hostile Authorization header before any parsing or HMAC work; room for 4 KB of `app`.
const MAX_TOKEN_LENGTH = 8192;
// Access tokens already verified, so a client sending the same token again costs a Map lookup, not a
// jsonwebtoken run (~45 µs, most of `me`). Bounded, oldest evicted; an entry answers only for the exact
// token string it was verified from.
const VERIFIED_CACHE_SIZE = 10_000;
// Three base64url segments, nothing else: what a compact JWS can be (a well-formed 4-segment or padded
// token is refused before any parsing).
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface VerifiedAccess {
  token: string;
  result: { ok: true; claims: AccessClaims };
}

/**
 * Signs and verifies every JWT authql issues. The algorithm is pinned, `exp` is required, and each kind
 * has its own audience, so an activation link is never an access token and vice versa.
 */
export class JwtService {
  // jsonwebtoken is ~60x faster with a KeyObject than with a string secret (STACK-NOTES).
  private readonly emailSigning: KeyEntry & { kid: string };
  /** Emailed-token keys by kid: the current secret's, then each JWT_PREVIOUS_SECRETS one's. */
  private readonly emailKeys: Map<string, KeyEntry>;
  private readonly signing: KeyEntry & { kid: string };
  /** Access-token keys by kid: the server's own set, the only place a token's kid may pick from. */
  private readonly accessKeys: Map<string, KeyEntry>;
  private readonly publicJwks: PublicJwk[];
  /** Keyed by the signature segment: hashing ~40 characters per lookup instead of the whole token. */
  private readonly verified = new BoundedMap<string, VerifiedAccess>(VERIFIED_CACHE_SIZE);

  constructor(private readonly options: JwtOptions) {
    const emailKeys = hmacEntries(options.secrets.keys(KeyLabel.EMAIL_TOKEN));
    // Links mailed before keys were derived per label (signed with the raw secret) work until they expire.
    for (const secret of options.secrets.legacySecrets()) emailKeys.push(hmacEntry(secret));
    this.emailSigning = emailKeys[0]!;
    this.emailKeys = new Map(emailKeys.map((k) => [k.kid, k]));
    if (!options.privateKeyPem) {
      const accessKeys = hmacEntries(options.secrets.keys(KeyLabel.ACCESS_TOKEN));
      this.signing = accessKeys[0]!;
      this.accessKeys = new Map(accessKeys.map((k) => [k.kid, k]));
      // HS256 keys are secret: nothing to publish.
      this.publicJwks = [];
      return;
    }
    const { privateKey, verification } = parsePrivateKey(options.privateKeyPem);
    const previous = options.previousPublicKeysPem
      ? parsePublicKeys(options.previousPublicKeysPem)
      : [];
    // One entry per kid: the current key first, then each previous key once.
    const verifying = [...new Map([verification, ...previous].map((k) => [k.kid, k])).values()];
    this.signing = { alg: verification.alg, key: privateKey, kid: verification.kid };
    this.accessKeys = new Map(verifying.map((k) => [k.kid, { alg: k.alg, key: k.key }]));
    this.publicJwks = verifying.map((k) => k.jwk);
  }

  /** The kid of newly signed access tokens. */
  get kid(): string {
    return this.signing.kid;
  }

  /** The JWKS document: current and previous public keys, empty with HS256 only. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.publicJwks };
  }

  private audienceOf(kind: TokenKind): string {
    return kind === 'access' ? this.options.audience : `${this.options.audience}:${kind}`;
  }

  signAccess(
    claims: {
      sub: string;
      sid: string;
      role: Role;
      amr: readonly string[];
      authTime: Date;
      org?: OrgClaim | null;
      app?: Readonly<Record<string, unknown>>;
    },
    ttlSec: number,
  ): { token: string; jti: string } {
    const jti = randomUUID();
    const token = jwt.sign(
      {
        sid: claims.sid,
        role: claims.role,
        amr: claims.amr,
        auth_time: Math.floor(claims.authTime.getTime() / 1000),
        ...(claims.org ? { org: claims.org.org, org_role: claims.org.role } : {}),
        // Omitted when empty, so tokens of accounts without app metadata stay as small as before.
        ...(claims.app && Object.keys(claims.app).length > 0 ? { app: claims.app } : {}),
        typ: 'access',
      },
      this.signing.key,
      {
        algorithm: this.signing.alg,
        expiresIn: ttlSec,
        subject: claims.sub,
        issuer: this.options.issuer,
        audience: this.audienceOf('access'),
        jwtid: jti,
        keyid: this.signing.kid,
      },
    );
    return { token, jti };
  }

  /**
   * Emailed tokens stay HS256 with the server's own key even when a private key is set: they can then
   * never verify against the published JWKS, so no other service can be handed one as a credential.
   */
  signEmailToken(kind: EmailTokenKind, sub: string, jti: string, ttlSec: number): string {
    return jwt.sign({ typ: kind }, this.emailSigning.key, {
      algorithm: HMAC_ALGORITHM,
      expiresIn: ttlSec,
      subject: sub,
      issuer: this.options.issuer,
      audience: this.audienceOf(kind),
      jwtid: jti,
      keyid: this.emailSigning.kid,
    });
  }

  /**
   * Verifies an access token. What the signature proves (key, algorithm, issuer, audience, typ) is
   * remembered per token; its expiry is checked on every call, and whether its session and account still
   * allow it is the caller's check (the session and user caches), never remembered here.
   */
  verifyAccess(token: string): VerifyResult<AccessClaims> {
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const known = this.verified.get(signature);
    // The whole token must match: another header or payload under a copied signature is a new token.
    if (known?.token === token) {
      // The same expiry rule as jsonwebtoken's: expired once now >= exp + clock tolerance.
      if (Math.floor(Date.now() / 1000) < known.result.claims.exp + this.options.clockSkewSec)
        return known.result;
      this.verified.delete(signature);
      return { ok: false, reason: 'expired' };
    }
    if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token))
      return { ok: false, reason: 'invalid' };
    const result = this.verify(token, 'access');
    if (!result.ok) return result;
    const c = result.claims;
    if (typeof c.sid !== 'string' || typeof c.role !== 'string' || !Array.isArray(c.amr))
      return { ok: false, reason: 'invalid' };
    // Both org claims or neither, of the known roles: what @auth(orgRole) relies on.
    if (
      (c.org !== undefined || c.org_role !== undefined) &&
      (typeof c.org !== 'string' || !isOrgRole(c.org_role))
    )
      return { ok: false, reason: 'invalid' };
    const verified = Object.freeze({
      ok: true,
      claims: Object.freeze(c) as unknown as AccessClaims,
    });
    this.verified.set(signature, { token, result: verified });
    return verified;
  }

  verifyEmailToken(token: string, kind: EmailTokenKind): VerifyResult<EmailTokenClaims> {
    const result = this.verify(token, kind);
    if (!result.ok) return result;
    return { ok: true, claims: result.claims as unknown as EmailTokenClaims };
  }

  private verify(token: string, kind: TokenKind): VerifyResult<jwt.JwtPayload> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      return { ok: false, reason: 'invalid' };
    }
    const entry = kind === 'access' ? this.accessKeyFor(token) : this.emailKeyFor(token);
    if (!entry) return { ok: false, reason: 'invalid' };
    try {
      // One algorithm, the key's own: no alg:none, no HS256 signed with a public key as the secret.
      const decoded = jwt.verify(token, entry.key, {
        algorithms: [entry.alg],
        issuer: this.options.issuer,
        audience: this.audienceOf(kind),
        clockTolerance: this.options.clockSkewSec,
        complete: true,
      });
      const { header, payload } = decoded;
      if (header.alg !== entry.alg) return { ok: false, reason: 'invalid' };
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

  /** The kid selects only among the server's own keys; without a private key the kid may be absent. */
  private accessKeyFor(token: string): KeyEntry | null {
    const kid = headerKid(token);
    if (kid === null) return null;
    if (kid === undefined) return this.options.privateKeyPem ? null : this.signing;
    return this.accessKeys.get(kid) ?? null;
  }

  private emailKeyFor(token: string): KeyEntry | null {
    const kid = headerKid(token);
    if (kid === null) return null;
    if (kid === undefined) return this.emailSigning;
    return this.emailKeys.get(kid) ?? null;
  }
}

/** An HS256 key with its kid: a hash prefix of the key, so a token names the key that signed it. */
function hmacEntry(key: Buffer | string): KeyEntry & { kid: string } {
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 16);
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return { alg: HMAC_ALGORITHM, key: createSecretKey(bytes), kid };
}

function hmacEntries(keys: readonly Buffer[]): (KeyEntry & { kid: string })[] {
  return keys.map((key) => hmacEntry(key));
}

/** The header's kid (undefined when absent), or null when the header is unreadable or kid is not a string. */
function headerKid(token: string): string | undefined | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString());
    if (!header || typeof header !== 'object') return null;
    const kid = (header as { kid?: unknown }).kid;
    return kid === undefined || typeof kid === 'string' ? kid : null;
  } catch {
    return null;
  }
}
