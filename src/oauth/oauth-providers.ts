import type { createRemoteJWKSet, JWTPayload } from 'jose';
import type { Configuration } from 'openid-client';
import type { OAuthConfig, OAuthProviderConfig } from './oauth.config';
import { AppError, badInput } from '../errors';
import { lazy } from '../lazy';
import { normalizeEmail } from '../users/email';

/** What a provider says about the person who signed in, once its token was verified. */
export interface ProviderIdentity {
  provider: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
}

/** Result of checking a native ID token; `reason` names why it was refused (for the log). */
export type IdTokenCheck =
  { ok: true; claims: JWTPayload } | { ok: false; reason: 'expired' | 'invalid' | 'azp' | 'iat' };

// Apple answers only by form_post when a name or email is asked for.
const PRESET_PARAMS: Record<string, Record<string, string>> = {
  apple: { scope: 'openid email name', response_mode: 'form_post' },
};
const DEFAULT_PARAMS = { scope: 'openid email profile' };
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;
const DISCOVERY_TIMEOUT_SEC = 10;
/** How far in the future a native ID token's `iat` may be (the provider's clock ahead of ours). */
const MAX_IAT_AHEAD_SEC = 60;

// Loaded at the first social sign-in: a server without OAUTH_PROVIDERS never starts them up.
export const openidClient = lazy(() => import('openid-client'));
const jose = lazy(() => import('jose'));

/** One configured OpenID provider: discovery (cached, retried after a failure) and its remote JWKS. */
export class OAuthProvider {
  private configuration: Promise<Configuration> | null = null;
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    readonly config: OAuthProviderConfig,
    private readonly allowHttp: boolean,
    private readonly clockSkewSec: number,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** Extra authorization parameters (scope, response_mode) this provider needs. */
  get authorizationParams(): Record<string, string> {
    return PRESET_PARAMS[this.config.preset ?? ''] ?? DEFAULT_PARAMS;
  }

  /** The discovered configuration; a failed discovery is not cached, so the next request retries. */
  discover(): Promise<Configuration> {
    this.configuration ??= openidClient()
      .then((oidc) =>
        oidc.discovery(
          new URL(this.config.issuer),
          this.config.clientId,
          this.config.clientSecret ?? undefined,
          undefined,
          {
            timeout: DISCOVERY_TIMEOUT_SEC,
            ...(this.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
          },
        ),
      )
      .catch((err: unknown) => {
        this.configuration = null;
        throw err;
      });
    return this.configuration;
  }

  /**
   * Verifies a native SDK's ID token: signature by a key of the provider's JWKS (fetched, cached, and
   * refetched on an unknown `kid`), `iss`, `aud` (client id or an extra audience), `azp` (one of those
   * when `aud` names several parties), `exp`, `iat` (at most 60 s ahead), `sub`. The nonce and the
   * single use are the caller's to check.
   */
  async verifyIdToken(idToken: string): Promise<IdTokenCheck> {
    const metadata = (await this.discover()).serverMetadata();
    const { createRemoteJWKSet, jwtVerify, errors: joseErrors } = await jose();
    if (!metadata.jwks_uri) throw new Error(`provider ${this.name} publishes no jwks_uri`);
    this.jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri));
    const algorithms = (metadata.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) =>
      ASYMMETRIC.test(a),
    );
    // Microsoft's multi-tenant issuer is a template: the tenant comes from the token itself.
    const templated = metadata.issuer.includes('{tenantid}');
    const ours = [this.config.clientId, ...this.config.audiences];
    try {
      const { payload } = await jwtVerify(idToken, this.jwks, {
        ...(templated ? {} : { issuer: metadata.issuer }),
        audience: ours,
        algorithms,
        clockTolerance: this.clockSkewSec,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'sub'],
      });
      if (templated && payload.iss !== metadata.issuer.replace('{tenantid}', String(payload.tid)))
        return { ok: false, reason: 'invalid' };
      // A token for several parties is ours only if it was issued to us (OIDC Core 3.1.3.7): else any
      // of the others, holding it, could sign in here as its subject.
      const several = Array.isArray(payload.aud) && payload.aud.length > 1;
      if (several && !(typeof payload.azp === 'string' && ours.includes(payload.azp)))
        return { ok: false, reason: 'azp' };
      // jose checks `iat` only against a maximum age: a token from the future would outlive its replay key.
      if (payload.iat! > Date.now() / 1000 + MAX_IAT_AHEAD_SEC) return { ok: false, reason: 'iat' };
      return { ok: true, claims: payload };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof joseErrors.JOSEError) return { ok: false, reason: 'invalid' };
      throw err;
    }
  }
}

/** The providers of OAUTH_PROVIDERS, by name. */
export class OAuthProviders {
  private readonly byName = new Map<string, OAuthProvider>();

  constructor(config: OAuthConfig, clockSkewSec: number) {
    for (const provider of config.providers) {
      this.byName.set(
        provider.name,
        new OAuthProvider(provider, config.allowHttpIssuers, clockSkewSec),
      );
    }
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  find(name: string): OAuthProvider | null {
    return this.byName.get(name) ?? null;
  }

  /** Throws BAD_USER_INPUT for a name that is not configured. */
  get(name: string): OAuthProvider {
    const provider = this.find(name);
    if (!provider) throw badInput(`Unknown sign-in provider "${name.slice(0, 40)}".`);
    return provider;
  }
}

/**
 * The identity in verified claims: the address normalised as every address here (an unusable one
 * counts as none). Providers send `email_verified` as a boolean, Apple sometimes as the string "true".
 */
export function identityFrom(provider: string, claims: Record<string, unknown>): ProviderIdentity {
  let email: string | null = null;
  try {
    email = claims.email === undefined ? null : normalizeEmail(claims.email);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
  }
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  return {
    provider,
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && verified,
  };
}
