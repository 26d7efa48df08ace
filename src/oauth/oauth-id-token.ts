import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { JWTPayload } from 'jose';
import type { SignInFlow } from '../auth/sign-in-flow';
import { AppError, badInput, invalidToken, tokenExpired } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { User } from '../users/user.entity';
import type { OAuthAccounts } from './oauth-accounts';
import { identityFrom, type OAuthProviders } from './oauth-providers';
import { UsedIdToken } from './used-id-token.entity';

export interface OAuthIdTokensDeps {
  providers: OAuthProviders;
  accounts: OAuthAccounts;
  flow: SignInFlow;
  limits: RateLimits;
  logger: Logger;
}

/** Native sign-in: an ID token a platform SDK (Apple, Google's Credential Manager) obtained. */
export class OAuthIdTokens {
  constructor(private readonly deps: OAuthIdTokensDeps) {}

  /**
   * Checks the token (signature, iss, aud, azp, exp, iat: OAuthProvider.verifyIdToken), the nonce, and
   * that it was not accepted before (single use until it expires), then signs in the identity's account.
   * Throws BAD_USER_INPUT, INVALID_TOKEN (a replay too), TOKEN_EXPIRED, EMAIL_NOT_VERIFIED, FORBIDDEN,
   * TOO_MANY_REQUESTS, and what SignInFlow.finish throws.
   */
  async signIn(
    em: EntityManager,
    providerName: string,
    idToken: unknown,
    nonce: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    await this.deps.flow.admit('OAUTH', client);
    const provider = this.deps.providers.get(providerName);
    if (typeof idToken !== 'string' || idToken.length > 16_384)
      throw invalidToken('This ID token is invalid.');
    if (nonce !== null && nonce !== undefined && (typeof nonce !== 'string' || nonce.length > 512))
      throw badInput('nonce must be a string of at most 512 characters.');
    // Recorded as every failed sign-in is (metric, log line, sign_in_failed), then answered.
    const failed = (reason: string, userId: string | null = null) =>
      this.deps.flow.failed(em, { method: 'OAUTH', userId, client, reason: `id_token_${reason}` });
    const refused = async (reason: string) => {
      await failed(reason);
      return invalidToken('This ID token is invalid.');
    };
    const checked = await provider.verifyIdToken(idToken);
    if (!checked.ok) {
      const error = await refused(checked.reason);
      throw checked.reason === 'expired' ? tokenExpired('This ID token has expired.') : error;
    }
    if (!nonceMatches(checked.claims.nonce, nonce ?? null)) throw await refused('nonce');
    if (!(await spend(em, checked.claims))) throw await refused('replay');
    const identity = identityFrom(provider.name, checked.claims);
    const { id } = await this.deps.accounts.resolve(em, identity, client).catch(async (err) => {
      if (err instanceof AppError) await failed(err.code.toLowerCase());
      throw err;
    });
    // Loaded in this request's EntityManager: the one above belonged to the finished transaction.
    const user = await em.findOneOrFail(User, { id }, { refresh: true });
    return this.deps.flow.finish(em, user, 'OAUTH', client);
  }
}

// A hex SHA-256: what a provider that was given the hashed nonce puts in the claim.
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * The nonce given is the raw value the app generated; the token carries it as is (Google's Credential
 * Manager) or as its SHA-256, hex or base64url (Apple, Firebase). A given value equal to a hex-SHA-256
 * shaped claim is refused: that is the token's own claim copied back, which anyone holding the token
 * can send, never the raw value only the app knows.
 */
function nonceMatches(claim: unknown, given: string | null): boolean {
  if (claim === undefined && given === null) return true;
  if (typeof claim !== 'string' || given === null) return false;
  const digest = createHash('sha256').update(given, 'utf8').digest();
  if (claim === digest.toString('hex') || claim === digest.toString('base64url')) return true;
  return claim === given && !SHA256_HEX.test(claim);
}

/**
 * Records the token as used until it expires; false if it was already (a replay). The key is issuer,
 * subject and `jti`, else `iat`: the primary key makes the check atomic across processes.
 */
async function spend(em: EntityManager, claims: JWTPayload): Promise<boolean> {
  const { iss, sub, jti, iat, exp } = claims;
  const key = jti === undefined ? ['iat', iss, sub, iat] : ['jti', iss, sub, jti];
  try {
    await em.insert(UsedIdToken, {
      id: createHash('sha256').update(JSON.stringify(key)).digest('hex'),
      expiresAt: new Date(exp! * 1000),
    });
    return true;
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) return false;
    throw err;
  }
}
