import type { AccountLifecycle } from '../accounts/account-lifecycle';
import type { SignInFlow } from '../auth/sign-in-flow';
import type { OAuthConfig } from './oauth.config';
import type { SecurityEvents } from '../events/security-events';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import type { UserWriter } from '../users/user-writer';
import { OAuthAccounts } from './oauth-accounts';
import { OAuthIdTokens } from './oauth-id-token';
import { OAuthLinking } from './oauth-linking';
import { OAuthProviders } from './oauth-providers';
import { OAuthWebFlow } from './oauth-web-flow';

/** Social sign-in over OpenID Connect, one unit per job; all of them share the providers. */
export interface OAuthServices {
  /** The providers of OAUTH_PROVIDERS (discovery, JWKS). */
  providers: OAuthProviders;
  /** start → provider → callback → one-time code → exchangeOAuthCode. */
  web: OAuthWebFlow;
  /** signInWithIdToken. */
  idTokens: OAuthIdTokens;
  /** startOAuthLink, finishOAuthLink, unlinkAccount, linkedAccounts. */
  linking: OAuthLinking;
}

export interface OAuthServicesDeps {
  config: { readonly oauth: OAuthConfig; readonly jwt: { readonly clockSkewSec: number } };
  flow: SignInFlow;
  tokens: OneTimeTokenService;
  limits: RateLimits;
  users: UserWriter;
  lifecycle: AccountLifecycle;
  events: SecurityEvents;
  logger: Logger;
}

export function createOAuthServices(deps: OAuthServicesDeps): OAuthServices {
  const { config, flow, limits, events, lifecycle, logger } = deps;
  const providers = new OAuthProviders(config.oauth, config.jwt.clockSkewSec);
  const accounts = new OAuthAccounts(deps);
  return {
    providers,
    web: new OAuthWebFlow({ config, accounts, flow, limits, logger }),
    idTokens: new OAuthIdTokens({ providers, accounts, flow, limits, logger }),
    linking: new OAuthLinking({ config, providers, limits, events, lifecycle, logger }),
  };
}
