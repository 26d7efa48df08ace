import type { EntityManager } from '@mikro-orm/core';
import type { Configuration } from 'openid-client';
import type { SignInFlow } from '../auth/sign-in-flow';
import type { OAuthConfig } from './oauth.config';
import { AppError, ErrorCode, invalidToken, tokenExpired } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { randomSecret, sameDigest, sha256 } from '../tokens/random';
import { User } from '../users/user.entity';
import type { OAuthAccounts } from './oauth-accounts';
import { checkAppRequest, verifierMatches, type StartParams } from './oauth-app-request';
import { OAuthFlowError, type OAuthRedirectError, withParams } from './oauth-flow-error';
import {
  identityFrom,
  openidClient,
  type OAuthProvider,
  type ProviderIdentity,
} from './oauth-providers';
import { type OAuthState, OAuthStateKind } from './oauth-state.entity';
import { CODE_KINDS, consumeState, saveState } from './oauth-state-store';

const FLOW_TTL_MS = 10 * 60_000;
const CODE_TTL_MS = 60_000;
/** The account rules' refusals the app gets as `?error=` (anything else is masked). */
const REDIRECTED: readonly ErrorCode[] = [ErrorCode.FORBIDDEN, ErrorCode.EMAIL_NOT_VERIFIED];

export interface StartedFlow {
  /** The provider's authorization URL. */
  location: string;
  /** Binds the callback to this browser: set as an HttpOnly cookie on the callback path. */
  cookie: { name: string; value: string; maxAgeSec: number };
}

export interface OAuthWebFlowDeps {
  config: { readonly oauth: OAuthConfig };
  accounts: OAuthAccounts;
  flow: SignInFlow;
  limits: RateLimits;
  logger: Logger;
}

/**
 * The browser flow: start → provider → callback → one-time code → exchangeOAuthCode. It proves the
 * federated factor; the session is opened by SignInFlow.finish (amr ["fed"]).
 */
export class OAuthWebFlow {
  constructor(private readonly deps: OAuthWebFlowDeps) {}

  /** The redirect_uri registered at the provider for `name`. */
  callbackUrl(name: string): string {
    return `${this.deps.config.oauth.callbackBaseUrl}/oauth/${name}/callback`;
  }

  /** The cookie name that carries the browser binding of one flow. */
  static cookieName(state: string): string {
    return `authql_oauth_${sha256(state).slice(0, 16)}`;
  }

  /**
   * `GET /oauth/<name>/start`: checks what the app sent (checkAppRequest) and, with `link`, spends the
   * ticket startOAuthLink made; stores state, nonce, PKCE verifier and the app's challenge; returns
   * the provider URL. Throws OAuthFlowError (redirectTo null when the request is refused outright).
   */
  async start(
    em: EntityManager,
    provider: OAuthProvider,
    params: StartParams,
  ): Promise<StartedFlow> {
    const { target, appState, appCodeChallenge } = checkAppRequest(
      params,
      this.deps.config.oauth.redirectUrls,
    );
    const { link } = params;
    const linkUserId =
      link === undefined ? null : await this.spendLinkTicket(em, provider, link, target, appState);
    const oidc = await openidClient();
    let configuration: Configuration;
    try {
      configuration = await provider.discover();
    } catch (err) {
      this.deps.logger.error({ err, provider: provider.name }, 'oauth discovery failed');
      throw new OAuthFlowError(
        'INTERNAL_SERVER_ERROR',
        target,
        'discovery failed',
        appState ?? null,
      );
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const browserSecret = randomSecret();
    await saveState(em, state, {
      kind: OAuthStateKind.FLOW,
      provider: provider.name,
      user: linkUserId,
      redirectTo: target,
      appState,
      codeVerifier,
      nonce,
      browserHash: sha256(browserSecret),
      appCodeChallenge,
      ttlMs: FLOW_TTL_MS,
    });
    const location = oidc.buildAuthorizationUrl(configuration, {
      ...provider.authorizationParams,
      redirect_uri: this.callbackUrl(provider.name),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return {
      location: location.href,
      cookie: {
        name: OAuthWebFlow.cookieName(state),
        value: browserSecret,
        maxAgeSec: FLOW_TTL_MS / 1000,
      },
    };
  }

  /** The user a link ticket was made for (spent here). Throws OAuthFlowError. */
  private async spendLinkTicket(
    em: EntityManager,
    provider: OAuthProvider,
    link: string,
    target: string,
    appState: string | undefined,
  ): Promise<string> {
    const ticket = await consumeState(em, link, OAuthStateKind.LINK, provider.name);
    if (!ticket?.user)
      throw new OAuthFlowError(
        'INVALID_TOKEN',
        target,
        'link ticket unknown or used',
        appState ?? null,
      );
    if (ticket.expiresAt.getTime() <= Date.now())
      throw new OAuthFlowError('INVALID_TOKEN', target, 'link ticket expired', appState ?? null);
    return ticket.user.id;
  }

  /**
   * `/oauth/<name>/callback` (GET, or POST for form_post): spends the flow, checks the browser binding,
   * redeems the code (PKCE, state, nonce, ID token checked by openid-client), then resolves the
   * account. Returns the app URL with `?code=` (sign-in) or `?link_code=` (link: finishOAuthLink
   * links it). Throws OAuthFlowError.
   */
  async callback(
    em: EntityManager,
    provider: OAuthProvider,
    params: URLSearchParams,
    cookie: (name: string) => string | undefined,
    client: ClientInfo,
  ): Promise<string> {
    const state = params.get('state');
    const flow = state ? await consumeState(em, state, OAuthStateKind.FLOW, provider.name) : null;
    if (!state || !flow?.redirectTo)
      throw new OAuthFlowError('INVALID_TOKEN', null, 'unknown or used state');
    const back = flow.redirectTo;
    const echo: Record<string, string> = flow.appState !== null ? { state: flow.appState } : {};
    try {
      const result = await this.finishCallback(em, provider, params, cookie, state, flow, client);
      return withParams(back, { ...result, ...echo });
    } catch (err) {
      // Recorded as every failed sign-in is (metric, log line, sign_in_failed); the app gets ?error=.
      await this.deps.flow
        .failed(em, {
          method: 'OAUTH',
          userId: null,
          client,
          reason: err instanceof OAuthFlowError ? err.message : 'callback_failed',
        })
        // A database failure must not hide the flow's own answer to the app.
        .catch(() => undefined);
      if (err instanceof OAuthFlowError)
        throw new OAuthFlowError(err.code, err.redirectTo, err.message, flow.appState);
      this.deps.logger.error({ err, provider: provider.name }, 'oauth callback failed');
      throw new OAuthFlowError('INTERNAL_SERVER_ERROR', back, 'callback failed', flow.appState);
    }
  }

  private async finishCallback(
    em: EntityManager,
    provider: OAuthProvider,
    params: URLSearchParams,
    cookie: (name: string) => string | undefined,
    state: string,
    flow: OAuthState,
    client: ClientInfo,
  ): Promise<Record<string, string>> {
    const back = flow.redirectTo!;
    if (flow.expiresAt.getTime() <= Date.now())
      throw new OAuthFlowError('INVALID_TOKEN', back, 'flow expired');
    const browser = cookie(OAuthWebFlow.cookieName(state));
    if (!browser || !flow.browserHash || !sameDigest(sha256(browser), flow.browserHash))
      throw new OAuthFlowError('INVALID_TOKEN', back, 'callback from another browser');
    const providerError = params.get('error');
    if (providerError) {
      const denied = [
        'access_denied',
        'consent_required',
        'login_required',
        'interaction_required',
      ];
      throw new OAuthFlowError(
        denied.includes(providerError) ? 'ACCESS_DENIED' : 'INVALID_TOKEN',
        back,
        `provider answered ${providerError.slice(0, 40)}`,
      );
    }
    const identity = await this.redeem(provider, params, flow, back);
    if (flow.user) {
      // Not linked here: whoever opened the URL signed in at the provider, maybe not the ticket's user
      // (a forwarded link). Only that user's own finishOAuthLink, holding this code, makes the link.
      const linkCode = randomSecret();
      await saveState(em, linkCode, {
        kind: OAuthStateKind.LINK_CODE,
        provider: provider.name,
        user: flow.user.id,
        identity,
        ttlMs: CODE_TTL_MS,
      });
      return { link_code: linkCode };
    }
    const user = await this.deps.accounts.resolve(em, identity, client).catch((err: unknown) => {
      if (err instanceof AppError && REDIRECTED.includes(err.code))
        throw new OAuthFlowError(err.code as OAuthRedirectError, back, err.message);
      throw err;
    });
    const code = randomSecret();
    await saveState(em, code, {
      kind: OAuthStateKind.CODE,
      provider: provider.name,
      user: user.id,
      appCodeChallenge: flow.appCodeChallenge,
      ttlMs: CODE_TTL_MS,
    });
    return { code };
  }

  /**
   * Swaps the web flow's one-time code (60 s, once) for a session. A code started with code_challenge
   * needs its verifier; one started without refuses any. The code is spent whatever the answer.
   * Throws INVALID_TOKEN, TOKEN_EXPIRED, TOO_MANY_REQUESTS, and what SignInFlow.finish throws
   * (ACCOUNT_NOT_ACTIVATED, ACCOUNT_DISABLED, MFA_REQUIRED).
   */
  async exchange(
    em: EntityManager,
    code: unknown,
    codeVerifier: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    await this.deps.limits.tokenAttempt(client.ip);
    // Recorded as every failed sign-in is (metric, log line, sign_in_failed), then answered.
    const refused = async (reason: string, userId: string | null = null) => {
      await this.deps.flow.failed(em, {
        method: 'OAUTH',
        userId,
        client,
        reason: `oauth_code_${reason}`,
      });
      return invalidToken('This sign-in code is invalid or has already been used.');
    };
    if (typeof code !== 'string' || code.length === 0 || code.length > 200)
      throw await refused('malformed');
    // A link code given here is spent too: a code shown to the wrong mutation is not trusted again.
    const row = await consumeState(em, code, CODE_KINDS, null);
    if (!row?.user || row.kind !== OAuthStateKind.CODE) throw await refused('unknown');
    if (!verifierMatches(row.appCodeChallenge, codeVerifier))
      throw await refused('code_verifier', row.user.id);
    if (row.expiresAt.getTime() <= Date.now())
      throw tokenExpired('This sign-in code has expired: sign in again.');
    const user = await em.findOneOrFail(User, { id: row.user.id }, { refresh: true });
    return this.deps.flow.finish(em, user, 'OAUTH', client);
  }

  /** Redeems the authorization code; the claims come from the ID token, else from userinfo. */
  private async redeem(
    provider: OAuthProvider,
    params: URLSearchParams,
    flow: OAuthState,
    back: string,
  ): Promise<ProviderIdentity> {
    // openid-client reads the response from a URL: rebuilt on the public callback URL, as registered.
    const current = new URL(this.callbackUrl(provider.name));
    for (const [key, value] of params) current.searchParams.append(key, value);
    const oidc = await openidClient();
    try {
      const configuration = await provider.discover();
      const tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: flow.codeVerifier!,
        expectedState: params.get('state')!,
        expectedNonce: flow.nonce!,
        idTokenExpected: true,
      });
      const claims: Record<string, unknown> = { ...tokens.claims() };
      const userinfo = configuration.serverMetadata().userinfo_endpoint;
      if (typeof claims.email !== 'string' && userinfo && tokens.access_token) {
        Object.assign(
          claims,
          await oidc.fetchUserInfo(configuration, tokens.access_token, String(claims.sub)),
          { sub: claims.sub },
        );
      }
      return identityFrom(provider.name, claims);
    } catch (err) {
      const refused =
        err instanceof oidc.ResponseBodyError ||
        err instanceof oidc.AuthorizationResponseError ||
        err instanceof oidc.ClientError;
      this.deps.logger.warn(
        {
          err: refused ? undefined : err,
          errorClass: (err as Error).name,
          provider: provider.name,
        },
        'oauth callback failed',
      );
      throw new OAuthFlowError(
        refused ? 'INVALID_TOKEN' : 'INTERNAL_SERVER_ERROR',
        back,
        'code redemption failed',
      );
    }
  }
}
