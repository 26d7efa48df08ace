import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Configuration } from 'openid-client';
import type { SignInFlow } from '../auth/sign-in-flow';
import type { Config } from '../config';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { AppError, badInput, ErrorCode, invalidToken, tokenExpired } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { Logger } from '../logger';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { OneTimeToken, TokenPurpose } from '../tokens/one-time-token.entity';
import type { OneTimeTokenService } from '../tokens/one-time-token.service';
import { randomSecret, sameDigest, sha256 } from '../tokens/random';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { UserCache } from '../users/user-cache';
import { webhookUser, type Webhooks } from '../webhooks/webhooks';
import { User } from '../users/user.entity';
import { Passkey } from '../passkeys/passkey.entity';
import { LinkedAccount } from './linked-account.entity';
import {
  identityFrom,
  openidClient,
  type OAuthProvider,
  type OAuthProviders,
  type ProviderIdentity,
} from './oauth-providers';
import { OAuthState, OAuthStateKind } from './oauth-state.entity';

const FLOW_TTL_MS = 10 * 60_000;
const LINK_TTL_MS = 10 * 60_000;
const CODE_TTL_MS = 60_000;
/** The codes the callback hands the app: each mutation spends either, and accepts only its own. */
const CODE_KINDS = [OAuthStateKind.CODE, OAuthStateKind.LINK_CODE];

/** Codes the web flow puts in `?error=`; the app shows its own message for each. */
export type OAuthRedirectError =
  'ACCESS_DENIED' | 'INVALID_TOKEN' | 'FORBIDDEN' | 'INTERNAL_SERVER_ERROR';

/** A failure of the web flow that goes back to the app as `?error=`. */
export class OAuthFlowError extends Error {
  constructor(
    readonly code: OAuthRedirectError,
    /** Where to send it; null when the request named no allowed URL (the router answers 400). */
    readonly redirectTo: string | null,
    reason: string,
    /** The app's `state` from start, sent back beside `error`. */
    readonly appState: string | null = null,
  ) {
    super(reason);
    this.name = 'OAuthFlowError';
  }

  /** Where the browser goes: redirect_to with `error` (and the app's state), or null for a 400. */
  get location(): string | null {
    if (!this.redirectTo) return null;
    return withParams(this.redirectTo, {
      error: this.code,
      ...(this.appState !== null ? { state: this.appState } : {}),
    });
  }
}

const MAX_APP_STATE = 512;

export interface StartedFlow {
  /** The provider's authorization URL. */
  location: string;
  /** Binds the callback to this browser: set as an HttpOnly cookie on the callback path. */
  cookie: { name: string; value: string; maxAgeSec: number };
}

export interface LinkedAccountInfo {
  provider: string;
  email: string | null;
  createdAt: Date;
}

/**
 * Social sign-in over OpenID Connect: the web flow (start → provider → callback → one-time code →
 * exchange), native ID tokens, and linking. It proves the federated factor and resolves the account;
 * the session is always opened by SignInFlow.finish (amr ["fed"]).
 */
export class OAuthService {
  constructor(
    private readonly config: Config,
    private readonly providers: OAuthProviders,
    private readonly flow: SignInFlow,
    private readonly tokens: OneTimeTokenService,
    private readonly limits: RateLimits,
    private readonly userCache: UserCache,
    private readonly events: SecurityEvents,
    private readonly webhooks: Webhooks,
    private readonly logger: Logger,
  ) {}

  providerNames(): string[] {
    return this.providers.names();
  }

  provider(name: string): OAuthProvider | null {
    return this.providers.find(name);
  }

  /** The redirect_uri registered at the provider for `name`. */
  callbackUrl(name: string): string {
    return `${this.config.oauth.callbackBaseUrl}/oauth/${name}/callback`;
  }

  /** The cookie name that carries the browser binding of one flow. */
  static cookieName(state: string): string {
    return `authql_oauth_${sha256(state).slice(0, 16)}`;
  }

  /**
   * `GET /oauth/<name>/start`: checks redirect_to against OAUTH_REDIRECT_URLS (exact match) and, with
   * `link`, spends the ticket startOAuthLink made; stores state, nonce and PKCE verifier; returns the
   * provider URL. Throws OAuthFlowError (redirectTo null when the URL is not allowed).
   */
  async start(
    em: EntityManager,
    provider: OAuthProvider,
    redirectTo: string | undefined,
    linkTicket: string | undefined,
    appState: string | undefined,
  ): Promise<StartedFlow> {
    const allowed = this.config.oauth.redirectUrls;
    // A link opened without redirect_to returns to the first allowed URL.
    const target = redirectTo ?? (linkTicket ? allowed[0] : undefined);
    if (target === undefined || !allowed.includes(target))
      throw new OAuthFlowError('INVALID_TOKEN', null, 'redirect_to is not an allowed URL');
    if (appState !== undefined && (appState.length === 0 || appState.length > MAX_APP_STATE))
      throw new OAuthFlowError('INVALID_TOKEN', null, 'state must be 1 to 512 characters');
    let linkUserId: string | null = null;
    if (linkTicket !== undefined) {
      const ticket = await this.consumeState(em, linkTicket, OAuthStateKind.LINK, provider.name);
      if (!ticket?.user)
        throw new OAuthFlowError(
          'INVALID_TOKEN',
          target,
          'link ticket unknown or used',
          appState ?? null,
        );
      if (ticket.expiresAt.getTime() <= Date.now())
        throw new OAuthFlowError('INVALID_TOKEN', target, 'link ticket expired', appState ?? null);
      linkUserId = ticket.user.id;
    }
    const oidc = await openidClient();
    let configuration: Configuration;
    try {
      configuration = await provider.discover();
    } catch (err) {
      this.logger.error({ err, provider: provider.name }, 'oauth discovery failed');
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
    await this.saveState(em, state, {
      kind: OAuthStateKind.FLOW,
      provider: provider.name,
      user: linkUserId,
      redirectTo: target,
      appState,
      codeVerifier,
      nonce,
      browserHash: sha256(browserSecret),
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
        name: OAuthService.cookieName(state),
        value: browserSecret,
        maxAgeSec: FLOW_TTL_MS / 1000,
      },
    };
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
    const flow = state
      ? await this.consumeState(em, state, OAuthStateKind.FLOW, provider.name)
      : null;
    if (!state || !flow?.redirectTo)
      throw new OAuthFlowError('INVALID_TOKEN', null, 'unknown or used state');
    const back = flow.redirectTo;
    const echo: Record<string, string> = flow.appState !== null ? { state: flow.appState } : {};
    try {
      const result = await this.finishCallback(em, provider, params, cookie, state, flow, client);
      return withParams(back, { ...result, ...echo });
    } catch (err) {
      if (err instanceof OAuthFlowError)
        throw new OAuthFlowError(err.code, err.redirectTo, err.message, flow.appState);
      this.logger.error({ err, provider: provider.name }, 'oauth callback failed');
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
    const browser = cookie(OAuthService.cookieName(state));
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
      await this.saveState(em, linkCode, {
        kind: OAuthStateKind.LINK_CODE,
        provider: provider.name,
        user: flow.user.id,
        identity,
        ttlMs: CODE_TTL_MS,
      });
      return { link_code: linkCode };
    }
    const user = await this.resolveAccount(em, identity, client).catch((err: unknown) => {
      if (err instanceof AppError && err.code === ErrorCode.FORBIDDEN)
        throw new OAuthFlowError('FORBIDDEN', back, err.message);
      throw err;
    });
    const code = randomSecret();
    await this.saveState(em, code, {
      kind: OAuthStateKind.CODE,
      provider: provider.name,
      user: user.id,
      ttlMs: CODE_TTL_MS,
    });
    return { code };
  }

  /**
   * Swaps the web flow's one-time code (60 s, once) for a session.
   * Throws INVALID_TOKEN, TOKEN_EXPIRED, TOO_MANY_REQUESTS, and what SignInFlow.finish throws
   * (ACCOUNT_NOT_ACTIVATED, ACCOUNT_DISABLED, MFA_REQUIRED).
   */
  async exchange(em: EntityManager, code: unknown, client: ClientInfo): Promise<IssuedTokens> {
    await this.limits.tokenAttempt(client.ip);
    if (typeof code !== 'string' || code.length === 0 || code.length > 200)
      throw invalidToken('This sign-in code is invalid or has already been used.');
    // A link code given here is spent too: a code shown to the wrong mutation is not trusted again.
    const row = await this.consumeState(em, code, CODE_KINDS, null);
    if (!row?.user || row.kind !== OAuthStateKind.CODE) {
      this.logger.info({ event: 'oauth_code_refused', ip: client.ip }, 'oauth code refused');
      throw invalidToken('This sign-in code is invalid or has already been used.');
    }
    if (row.expiresAt.getTime() <= Date.now())
      throw tokenExpired('This sign-in code has expired: sign in again.');
    const user = await em.findOneOrFail(User, { id: row.user.id }, { refresh: true });
    return this.flow.finish(em, user, 'OAUTH', client);
  }

  /**
   * Native sign-in: an ID token from the platform SDK. Checks signature, iss, aud, exp, and the nonce
   * (the token's `nonce` equals the one given or its SHA-256, hex or base64url).
   * Throws BAD_USER_INPUT, INVALID_TOKEN, TOKEN_EXPIRED, FORBIDDEN, TOO_MANY_REQUESTS, and what
   * SignInFlow.finish throws.
   */
  async signInWithIdToken(
    em: EntityManager,
    providerName: string,
    idToken: unknown,
    nonce: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    await this.limits.idTokenAttempt(client.ip);
    const provider = this.providers.get(providerName);
    if (typeof idToken !== 'string' || idToken.length > 16_384)
      throw invalidToken('This ID token is invalid.');
    if (nonce !== null && nonce !== undefined && (typeof nonce !== 'string' || nonce.length > 512))
      throw badInput('nonce must be a string of at most 512 characters.');
    const checked = await provider.verifyIdToken(idToken);
    if (!checked.ok) {
      this.logger.info(
        {
          event: 'id_token_refused',
          provider: provider.name,
          reason: checked.reason,
          ip: client.ip,
        },
        'id token refused',
      );
      if (checked.reason === 'expired') throw tokenExpired('This ID token has expired.');
      throw invalidToken('This ID token is invalid.');
    }
    if (!nonceMatches(checked.claims.nonce, nonce ?? null)) {
      this.logger.info(
        { event: 'id_token_refused', provider: provider.name, reason: 'nonce', ip: client.ip },
        'id token refused',
      );
      throw invalidToken('This ID token is invalid.');
    }
    const identity = identityFrom(provider.name, checked.claims);
    const { id } = await this.resolveAccount(em, identity, client);
    // Loaded in this request's EntityManager: the one above belonged to the finished transaction.
    const user = await em.findOneOrFail(User, { id }, { refresh: true });
    return this.flow.finish(em, user, 'OAUTH', client);
  }

  /**
   * A URL the signed-in user opens to link `providerName` (10 minutes, once); it returns to the app
   * with a link code that only this user's finishLink accepts. Throws BAD_USER_INPUT.
   */
  async startLink(em: EntityManager, userId: string, providerName: string): Promise<string> {
    const provider = this.providers.get(providerName);
    const ticket = randomSecret();
    await this.saveState(em, ticket, {
      kind: OAuthStateKind.LINK,
      provider: provider.name,
      user: userId,
      ttlMs: LINK_TTL_MS,
    });
    const url = new URL(`${this.config.oauth.callbackBaseUrl}/oauth/${provider.name}/start`);
    url.searchParams.set('link', ticket);
    return url.href;
  }

  /**
   * Spends a link code (60 s, once; unused codes too) and links its identity to the viewer, who must
   * be the user that called startOAuthLink. Returns the viewer's links. Throws INVALID_TOKEN (unknown,
   * used, expired, a sign-in code, or made for another user), FORBIDDEN (the identity belongs to
   * another user, or the viewer has another identity of that provider), TOO_MANY_REQUESTS.
   */
  async finishLink(
    em: EntityManager,
    userId: string,
    code: unknown,
    client: ClientInfo,
  ): Promise<LinkedAccountInfo[]> {
    await this.limits.tokenAttempt(client.ip);
    const refused = (reason: string) => {
      this.logger.warn(
        { event: 'oauth_link_refused', reason, userId, ip: client.ip },
        'oauth link code refused',
      );
      return invalidToken('This link code is invalid, has expired or has already been used.');
    };
    if (typeof code !== 'string' || code.length === 0 || code.length > 200)
      throw refused('malformed');
    const row = await this.consumeState(em, code, CODE_KINDS, null);
    if (row?.kind !== OAuthStateKind.LINK_CODE || !row.subject) throw refused('unknown');
    if (row.user?.id !== userId) throw refused('other_user');
    if (row.expiresAt.getTime() <= Date.now()) throw refused('expired');
    await this.link(
      em,
      userId,
      {
        provider: row.provider,
        subject: row.subject,
        email: row.email,
        emailVerified: row.emailVerified === true,
      },
      client,
    );
    return this.linkedAccounts(em, userId);
  }

  /**
   * Removes the viewer's link to `providerName`, unless it is their last way to sign in (no password,
   * no other link, no passkey). Throws BAD_USER_INPUT (not linked), FORBIDDEN (last way in).
   */
  async unlink(
    em: EntityManager,
    userId: string,
    providerName: string,
    client: ClientInfo,
  ): Promise<true> {
    await transaction(em, async (uow) => {
      const tx = uow.em;
      const link = await tx.findOne(LinkedAccount, { user: userId, provider: providerName });
      if (!link) throw badInput(`No "${providerName.slice(0, 40)}" account is linked.`);
      const user = await tx.findOneOrFail(User, { id: userId }, { populate: ['passwordHash'] });
      const others = await tx.count(LinkedAccount, { user: userId, id: { $ne: link.id } });
      const passkeys = await tx.count(Passkey, { user: userId });
      if (user.passwordHash === null && others === 0 && passkeys === 0)
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'This is the only way to sign in to this account: set a password (request a reset) or link another provider first.',
        );
      await tx.nativeDelete(LinkedAccount, { id: link.id });
      await this.events.record(uow, {
        type: SecurityEventType.ACCOUNT_UNLINKED,
        userId,
        ...client,
        detail: { provider: providerName },
      });
    });
    this.logger.info(
      { event: 'oauth_unlinked', userId, provider: providerName, ip: client.ip },
      'account unlinked',
    );
    return true;
  }

  async linkedAccounts(em: EntityManager, userId: string): Promise<LinkedAccountInfo[]> {
    const links = await em.find(
      LinkedAccount,
      { user: userId },
      { orderBy: { createdAt: 'asc', provider: 'asc' } },
    );
    return links.map((l) => ({ provider: l.provider, email: l.email, createdAt: l.createdAt }));
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
      this.logger.warn(
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

  /**
   * The linking rules: a known (provider, subject) signs in its user. Otherwise a provider-verified
   * email joins the account with that address (an account never activated loses its pending passwords
   * and is activated: whoever signed up with that address before its owner gets nothing); an
   * unverified email never joins an existing account; with no account, a new active one without a
   * password is made. Throws FORBIDDEN.
   */
  private async resolveAccount(
    em: EntityManager,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<User> {
    try {
      return await transaction(em, (uow) => this.resolveIn(uow, identity, client));
    } catch (err) {
      // A parallel first sign-in of the same identity made the link first: it now resolves to that user.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      return transaction(em, (uow) => this.resolveIn(uow, identity, client));
    }
  }

  private async resolveIn(
    uow: UnitOfWork,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<User> {
    const tx = uow.em;
    const known = await tx.findOne(
      LinkedAccount,
      { provider: identity.provider, subject: identity.subject },
      { populate: ['user'] },
    );
    if (known) {
      if (identity.email !== null && known.email !== identity.email) {
        known.email = identity.email;
        // Only ever downgraded: a link made on an unverified address stays marked, so a reset or a
        // verified join still removes it after its maker changes the address it claims.
        known.emailVerified = known.emailVerified && identity.emailVerified;
        await tx.flush();
      }
      return known.user;
    }
    const email = identity.email;
    if (email === null)
      throw new AppError(
        ErrorCode.FORBIDDEN,
        'The provider did not share an email address: allow it to, then sign in again.',
      );
    let user = await tx.findOne(User, { email });
    let event: string;
    if (user) {
      if (!identity.emailVerified)
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'An account with this email exists and the provider has not verified the address: sign in another way and link the provider from your account.',
        );
      // A verified address proves the mailbox: links that only claimed an address go (someone may have
      // made this account from the owner's address at a provider that does not verify it).
      await tx.nativeDelete(LinkedAccount, { user: user.id, emailVerified: false });
      if (await tx.count(LinkedAccount, { user: user.id, provider: identity.provider }))
        throw new AppError(
          ErrorCode.FORBIDDEN,
          'This account is linked to another account of this provider.',
        );
      if (!user.isActive) {
        // Pre-account-takeover defence: passwords chosen at sign-up, by anyone, are discarded.
        const now = new Date();
        await tx.nativeUpdate(
          User,
          { id: user.id },
          { passwordHash: null, isActive: true, passwordChangedAt: now, updatedAt: now },
        );
        await this.tokens.retire(tx, user.id, TokenPurpose.ACTIVATION);
        await this.tokens.retire(tx, user.id, TokenPurpose.RESET);
        await tx.nativeUpdate(OneTimeToken, { user: user.id }, { passwordHash: null });
        user = await tx.findOneOrFail(User, { id: user.id }, { refresh: true });
        await this.events.record(uow, {
          type: SecurityEventType.ACTIVATED,
          userId: user.id,
          ...client,
          method: 'OAUTH',
        });
        await this.webhooks.queue(uow, 'user.activated', webhookUser(user));
        event = 'oauth_activated';
      } else {
        event = 'oauth_joined';
      }
    } else {
      user = tx.create(User, { email, passwordHash: null, isActive: true });
      event = 'oauth_created';
    }
    tx.create(LinkedAccount, {
      user,
      provider: identity.provider,
      subject: identity.subject,
      email,
      emailVerified: identity.emailVerified,
    });
    await tx.flush();
    const userId = user.id;
    if (event === 'oauth_created') {
      await this.events.record(uow, {
        type: SecurityEventType.SIGNED_UP,
        userId,
        ...client,
        method: 'OAUTH',
      });
      await this.webhooks.queue(uow, 'user.created', webhookUser(user));
    }
    await this.events.record(uow, {
      type: SecurityEventType.ACCOUNT_LINKED,
      userId,
      ...client,
      detail: { provider: identity.provider },
    });
    this.userCache.invalidateOnCommit(uow, userId);
    uow.afterCommit(() => {
      this.logger.info(
        { event, userId, provider: identity.provider, ip: client.ip },
        'account linked',
      );
    });
    return user;
  }

  /** Links a provider identity to a signed-in user (finishOAuthLink). Throws FORBIDDEN. */
  private async link(
    em: EntityManager,
    userId: string,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<void> {
    const linkedElsewhere = () =>
      new AppError(
        ErrorCode.FORBIDDEN,
        'This provider account is already linked to another account.',
      );
    try {
      await transaction(em, async (uow) => {
        const tx = uow.em;
        const taken = await tx.findOne(LinkedAccount, {
          provider: identity.provider,
          subject: identity.subject,
        });
        if (taken && taken.user.id === userId) return;
        if (taken) throw linkedElsewhere();
        if (await tx.count(LinkedAccount, { user: userId, provider: identity.provider }))
          throw new AppError(
            ErrorCode.FORBIDDEN,
            'Another account of this provider is linked: unlink it first.',
          );
        tx.create(LinkedAccount, {
          user: tx.getReference(User, userId),
          provider: identity.provider,
          subject: identity.subject,
          email: identity.email,
          emailVerified: identity.emailVerified,
        });
        await tx.flush();
        await this.events.record(uow, {
          type: SecurityEventType.ACCOUNT_LINKED,
          userId,
          ...client,
          detail: { provider: identity.provider },
        });
        uow.afterCommit(() =>
          this.logger.info(
            { event: 'oauth_linked', userId, provider: identity.provider, ip: client.ip },
            'account linked',
          ),
        );
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw linkedElsewhere();
      throw err;
    }
  }

  private async saveState(
    em: EntityManager,
    handle: string,
    fields: {
      kind: OAuthStateKind;
      provider: string;
      user?: string | null;
      redirectTo?: string;
      appState?: string;
      codeVerifier?: string;
      nonce?: string;
      browserHash?: string;
      identity?: ProviderIdentity;
      ttlMs: number;
    },
  ): Promise<void> {
    const now = Date.now();
    // Expired rows are deleted by housekeeping (oauth-cleanups.ts).
    await em.insert(OAuthState, {
      id: sha256(handle),
      kind: fields.kind,
      provider: fields.provider,
      user: fields.user ? em.getReference(User, fields.user) : null,
      redirectTo: fields.redirectTo ?? null,
      appState: fields.appState ?? null,
      codeVerifier: fields.codeVerifier ?? null,
      nonce: fields.nonce ?? null,
      browserHash: fields.browserHash ?? null,
      subject: fields.identity?.subject ?? null,
      email: fields.identity?.email ?? null,
      emailVerified: fields.identity?.emailVerified ?? null,
      expiresAt: new Date(now + fields.ttlMs),
      createdAt: new Date(now),
    });
  }

  /** Reads and deletes a state row; only the caller whose delete removed it gets it (once, atomically). */
  private async consumeState(
    em: EntityManager,
    handle: string,
    kind: OAuthStateKind | OAuthStateKind[],
    provider: string | null,
  ): Promise<OAuthState | null> {
    const where = {
      id: sha256(handle),
      kind: Array.isArray(kind) ? { $in: kind } : kind,
      ...(provider ? { provider } : {}),
    };
    const row = await em.findOne(OAuthState, where, { refresh: true });
    if (!row) return null;
    const deleted = await em.nativeDelete(OAuthState, where);
    return deleted === 1 ? row : null;
  }
}

/** The token's nonce must be the one given, or its SHA-256 (Apple's and Firebase's convention). */
function nonceMatches(claim: unknown, given: string | null): boolean {
  if (claim === undefined && given === null) return true;
  if (typeof claim !== 'string' || given === null) return false;
  const digest = createHash('sha256').update(given, 'utf8').digest();
  return [given, digest.toString('hex'), digest.toString('base64url')].includes(claim);
}

/** Adds query parameters to an app URL (web or custom scheme), keeping its own. */
function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}
