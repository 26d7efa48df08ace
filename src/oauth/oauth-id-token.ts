import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { SignInFlow } from '../auth/sign-in-flow';
import { badInput, invalidToken, tokenExpired } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { User } from '../users/user.entity';
import type { OAuthAccounts } from './oauth-accounts';
import { identityFrom, type OAuthProviders } from './oauth-providers';

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
   * Checks signature, iss, aud, exp, and the nonce (the token's `nonce` equals the one given or its
   * SHA-256, hex or base64url), then signs in the identity's account.
   * Throws BAD_USER_INPUT, INVALID_TOKEN, TOKEN_EXPIRED, FORBIDDEN, TOO_MANY_REQUESTS, and what
   * SignInFlow.finish throws.
   */
  async signIn(
    em: EntityManager,
    providerName: string,
    idToken: unknown,
    nonce: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    await this.deps.limits.idTokenAttempt(client.ip);
    const provider = this.deps.providers.get(providerName);
    if (typeof idToken !== 'string' || idToken.length > 16_384)
      throw invalidToken('This ID token is invalid.');
    if (nonce !== null && nonce !== undefined && (typeof nonce !== 'string' || nonce.length > 512))
      throw badInput('nonce must be a string of at most 512 characters.');
    const refused = (reason: string) => {
      this.deps.logger.info(
        { event: 'id_token_refused', provider: provider.name, reason, ip: client.ip },
        'id token refused',
      );
      return invalidToken('This ID token is invalid.');
    };
    const checked = await provider.verifyIdToken(idToken);
    if (!checked.ok) {
      if (checked.reason === 'expired') {
        refused(checked.reason);
        throw tokenExpired('This ID token has expired.');
      }
      throw refused(checked.reason);
    }
    if (!nonceMatches(checked.claims.nonce, nonce ?? null)) throw refused('nonce');
    const identity = identityFrom(provider.name, checked.claims);
    const { id } = await this.deps.accounts.resolve(em, identity, client);
    // Loaded in this request's EntityManager: the one above belonged to the finished transaction.
    const user = await em.findOneOrFail(User, { id }, { refresh: true });
    return this.deps.flow.finish(em, user, 'OAUTH', client);
  }
}

/** The token's nonce must be the one given, or its SHA-256 (Apple's and Firebase's convention). */
function nonceMatches(claim: unknown, given: string | null): boolean {
  if (claim === undefined && given === null) return true;
  if (typeof claim !== 'string' || given === null) return false;
  const digest = createHash('sha256').update(given, 'utf8').digest();
  return [given, digest.toString('hex'), digest.toString('base64url')].includes(claim);
}
