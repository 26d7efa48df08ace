import type { MikroORM } from '@mikro-orm/core';
import { AccountLifecycle, counted } from './accounts/account-lifecycle';
import { AdminService } from './admin/admin.service';
import { AccountService } from './auth/account.service';
import { SignInFlow } from './auth/sign-in-flow';
import { SignInService } from './auth/sign-in.service';
import { ReauthenticationService } from './auth/reauthentication.service';
import { Background } from './background';
import { EmailCodes } from './codes/email-codes';
import { addSignInCodeCleanups } from './codes/cleanups';
import { SignInCodeService } from './codes/sign-in-code.service';
import { registerSignInCodeLifecycle } from './codes/lifecycle';
import type { Config } from './config';
import { SecurityEvents } from './events/security-events';
import { addCoreCleanups } from './housekeeping/core-cleanups';
import { Housekeeping } from './housekeeping/housekeeping';
import { RateLimits } from './limits/rate-limits';
import type { Logger } from './logger';
import { Mailer } from './mail/mailer';
import { addOAuthCleanups } from './oauth/oauth-cleanups';
import { registerOAuthLifecycle } from './oauth/lifecycle';
import { createOAuthServices, type OAuthServices } from './oauth/oauth-services';
import { OutboxCipher } from './mail/outbox-cipher';
import { Links } from './mail/links';
import { addInvitationCleanups } from './organizations/cleanups';
import { InvitationService } from './organizations/invitation.service';
import { registerOrganizationLifecycle } from './organizations/lifecycle';
import { OrganizationService } from './organizations/organization.service';
import { MailTemplates } from './mail/templates';
import { MailTransport } from './mail/transport';
import { addMfaCleanups } from './mfa/cleanups';
import { registerMfaLifecycle } from './mfa/lifecycle';
import { MfaTickets } from './mfa/mfa-tickets';
import { MfaService } from './mfa/mfa.service';
import { RecoveryCodes } from './mfa/recovery-codes';
import { Totp } from './mfa/totp';
import { reportEffectFailures } from './database/unit-of-work';
import { Metrics } from './metrics/metrics';
import { PasswordHasher } from './password/password-hasher';
import { addPasskeyCleanups, PasskeyService } from './passkeys/passkey.service';
import { registerPasskeyLifecycle } from './passkeys/lifecycle';
import { PasswordService } from './password/password.service';
import { ProfileService } from './profile/profile.service';
import { EmailChangeService } from './email-change/email-change.service';
import { SessionCache } from './sessions/session-cache';
import { SessionService } from './sessions/session.service';
import { JwtService } from './tokens/jwt';
import { ServerSecrets } from './tokens/secrets';
import { OneTimeToken, TokenPurpose } from './tokens/one-time-token.entity';
import { Session } from './sessions/session.entity';
import { OneTimeTokenService } from './tokens/one-time-token.service';
import { UserService } from './users/user.service';
import { UserCache } from './users/user-cache';
import { UserWriter } from './users/user-writer';
import { User } from './users/user.entity';
import { WebhookSender, Webhooks } from './webhooks/webhooks';

/** Everything resolvers call. Services import neither type-graphql nor Apollo. */
export interface Services {
  /** Per-purpose keys derived from JWT_SECRET (and JWT_PREVIOUS_SECRETS for what they made). */
  secrets: ServerSecrets;
  jwt: JwtService;
  mailer: Mailer;
  hasher: PasswordHasher;
  sessions: SessionService;
  accounts: AccountService;
  signIn: SignInService;
  /** The shared end of every sign-in method: account state, second factor, session, tokens. */
  signInFlow: SignInFlow;
  passwords: PasswordService;
  /** TOTP enrolment, recovery codes, and the second step of a sign-in (completeSignIn). */
  mfa: MfaService;
  /** Passwordless sign-in with a mailed 6-digit code. */
  signInCodes: SignInCodeService;
  users: UserService;
  /** Periodic cleanup, once per deployment; features register theirs with `housekeeping.add(name, fn)`. */
  housekeeping: Housekeeping;
  /** Rate limits (API.md "Limits"); requestPasswordReset calls `limits.emailRequest(email, ip)`. */
  limits: RateLimits;
  /** The public view of users, cached per process; a user write registers invalidateOnCommit(uow, id). */
  userCache: UserCache;
  /** The one writer of user rows: each write registers the cache invalidation in its unit of work. */
  userWriter: UserWriter;
  /** Proving an address (the reclaim rule) and deleting an account; features register what they hold. */
  lifecycle: AccountLifecycle;
  /** Whether sessions are live, cached per process; WORKERS > 1 relays its ends to sibling workers. */
  sessionCache: SessionCache;
  /** Administration shared by the admin GraphQL operations and the CLI. */
  admin: AdminService;
  /** The security event log: `events.record(uow, ...)` inside the change's unit of work. */
  events: SecurityEvents;
  /** User lifecycle webhooks: `webhooks.queue(uow, type, data)` inside the change's unit of work. */
  webhooks: Webhooks;
  /** Prometheus metrics of this app instance (a registry of its own); inert without METRICS_TOKEN. */
  metrics: Metrics;
  /** Social sign-in over OpenID Connect (web flow, native ID tokens, linking). */
  oauth: OAuthServices;
  passkeys: PasskeyService;
  /** Step-up: a signed-in user proves a factor again; the session gets a new auth_time. */
  reauthentication: ReauthenticationService;
  /** Changing the account's address, confirmed by mail. */
  emailChange: EmailChangeService;
  /** The user's own profile (name, locale, metadata). */
  profile: ProfileService;
  /** Work started after an answer went out (mail of reset, resend, codes); app.close() drains it. */
  background: Background;
  /** Organizations, members, roles, and the organization a session's tokens carry. */
  organizations: OrganizationService;
  /** Invitations to organizations (mailed, accepted by the invited verified address). */
  invitations: InvitationService;
}

/** Wires the services for one app instance: no globals, so tests can run several apps in one process. */
export function createServices(config: Config, orm: MikroORM, logger: Logger): Services {
  reportEffectFailures(orm, logger);
  const background = new Background(logger);
  const secrets = new ServerSecrets(config.jwt.secret, config.jwt.previousSecrets);
  const jwt = new JwtService({
    secrets,
    privateKeyPem: config.jwt.privateKeyPem,
    previousPublicKeysPem: config.jwt.previousPublicKeysPem,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    clockSkewSec: config.jwt.clockSkewSec,
  });
  const { mailer, webhooks } = createMailing(config, orm, logger, secrets);
  // The app's and the pages' URLs of mailed links (APP_URL, ACTIVATION_PATH, RESET_PATH).
  const links = Links.from(config);
  const hasher = new PasswordHasher({
    cost: config.bcryptCost,
    threads: config.bcryptThreads,
    queueLimit: config.bcryptQueueLimit,
  });
  const limits = RateLimits.create(config, orm);
  const userCache = new UserCache(config.sessionCacheTtlMs);
  const sessionCache = new SessionCache(config.sessionCacheTtlMs);
  const metrics = new Metrics(config.metricsToken !== null, {
    bcryptQueueLength: () => hasher.queued,
    caches: { session: sessionCache.cache, user: userCache.cache },
    outbox: () => mailer.pending(),
  });
  if (metrics.enabled) hasher.onWait = (waitedMs) => metrics.bcryptWaited(waitedMs);
  const emailCodes = new EmailCodes(secrets);
  const oneTimeTokens = new OneTimeTokenService(
    jwt,
    {
      [TokenPurpose.ACTIVATION]: config.activationTtlSec,
      [TokenPurpose.RESET]: config.resetTtlSec,
      [TokenPurpose.EMAIL_CHANGE]: config.emailChange.ttlSec,
      [TokenPurpose.EMAIL_CHANGE_OLD]: config.emailChange.ttlSec,
    },
    emailCodes,
  );
  const events = new SecurityEvents();
  const sessions = new SessionService({
    config,
    jwt,
    cache: sessionCache,
    readLive: userCache.readLiveSession,
    mailer,
    events,
    logger,
    secrets,
  });
  const userWriter = new UserWriter(userCache);
  const lifecycle = createLifecycle({
    users: userWriter,
    mailer,
    events,
    webhooks,
    sessions,
    config,
  });
  const organizations = new OrganizationService({ sessions, events, webhooks, limits });
  registerOrganizationLifecycle(lifecycle, sessions, organizations);
  const mfaTickets = new MfaTickets();
  // A second step begun before every session ended must not finish a sign-in after it.
  sessions.onAllEnded((uow, userId) => mfaTickets.revokeAll(uow.em, userId));
  const signInFlow = new SignInFlow({
    sessions,
    tickets: mfaTickets,
    limits,
    events,
    metrics,
    logger,
  });
  const housekeeping = createHousekeeping(config, orm, logger, events, webhooks);
  const oauth = createOAuthServices({
    config,
    flow: signInFlow,
    tokens: oneTimeTokens,
    limits,
    users: userWriter,
    lifecycle,
    events,
    logger,
  });
  const signInCodes = new SignInCodeService({
    orm,
    codes: emailCodes,
    mailer,
    flow: signInFlow,
    limits,
    background,
  });
  return {
    secrets,
    jwt,
    mailer,
    hasher,
    sessions,
    accounts: new AccountService({
      config,
      orm,
      hasher,
      tokens: oneTimeTokens,
      mailer,
      links,
      limits,
      flow: signInFlow,
      users: userWriter,
      lifecycle,
      events,
      webhooks,
      logger,
      background,
    }),
    signIn: new SignInService({ hasher, flow: signInFlow }),
    signInFlow,
    passwords: new PasswordService({
      config,
      orm,
      hasher,
      tokens: oneTimeTokens,
      sessions,
      mailer,
      links,
      limits,
      flow: signInFlow,
      users: userWriter,
      lifecycle,
      events,
      logger,
      background,
    }),
    mfa: new MfaService({
      totp: new Totp(secrets, config.mail.appName),
      recovery: new RecoveryCodes(secrets),
      tickets: mfaTickets,
      flow: signInFlow,
      hasher,
      mailer,
      limits,
      users: userWriter,
      lifecycle,
      events,
      logger,
    }),
    signInCodes,
    reauthentication: new ReauthenticationService({ hasher, flow: signInFlow, signInCodes }),
    users: new UserService(),
    userCache,
    userWriter,
    lifecycle,
    sessionCache,
    admin: new AdminService({ sessions, users: userWriter, events, webhooks, logger }),
    events,
    webhooks,
    metrics,
    limits,
    housekeeping,
    oauth,
    background,
    organizations,
    invitations: new InvitationService({
      ttlMs: config.invitationTtlMs,
      limits,
      mailer,
      links,
      events,
      webhooks,
    }),
    profile: new ProfileService({ locales: config.locales, users: userWriter }),
    emailChange: new EmailChangeService({
      config,
      hasher,
      limits,
      flow: signInFlow,
      tokens: oneTimeTokens,
      mailer,
      links,
      users: userWriter,
      lifecycle,
      sessions,
      events,
      webhooks,
      logger,
    }),
    passkeys: new PasskeyService({
      config: config.webauthn,
      flow: signInFlow,
      lifecycle,
      mailer,
      events,
      decoyKey: secrets.key('passkey-decoy'),
      logger,
    }),
  };
}

/** Mail and webhooks: one transactional outbox, its sender, and the transport it sends through. */
function createMailing(config: Config, orm: MikroORM, logger: Logger, secrets: ServerSecrets) {
  const transport = new MailTransport({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    outboxDir: config.mail.outboxDir,
    printToConsole: config.env === 'development',
    sendTimeoutMs: config.mail.sendTimeoutMs,
  });
  const mailer = new Mailer({
    orm,
    transport,
    cipher: new OutboxCipher(secrets),
    templates: new MailTemplates({
      appName: config.mail.appName,
      dir: config.mail.templatesDir,
      locales: config.locales,
    }),
    options: config.mail,
    logger,
    webhooks: config.webhook
      ? new WebhookSender({ ...config.webhook, timeoutMs: config.mail.sendTimeoutMs })
      : null,
  });
  const webhooks = new Webhooks(config.webhook !== null, mailer);
  return { mailer, webhooks };
}

/**
 * The account's one lifecycle, with what every feature does when an address is reclaimed or an
 * account deleted (organizations register theirs once their service exists).
 */
function createLifecycle(deps: {
  users: UserWriter;
  mailer: Mailer;
  events: SecurityEvents;
  webhooks: Webhooks;
  sessions: SessionService;
  config: Config;
}): AccountLifecycle {
  const { users, mailer, events, webhooks, sessions, config } = deps;
  const lifecycle = new AccountLifecycle({
    users,
    mailer,
    events,
    webhooks,
    defaultLocale: config.locales.default,
  });
  lifecycle.onReclaim('sessions', async (uow, { id: userId }) =>
    counted((await sessions.revokeAll(uow, userId)).length, 'signed-in session'),
  );
  lifecycle.onUserDeleted('sessions', async (uow, userId) => {
    await sessions.revokeAll(uow, userId);
    // Explicit, not only ON DELETE CASCADE: nothing of the user may outlive the account on any driver.
    await uow.em.nativeDelete(Session, { user: userId });
    await uow.em.nativeDelete(OneTimeToken, { user: userId });
    return null;
  });
  lifecycle.onWayIn('password', (em, userId) =>
    em.count(User, { id: userId, passwordHash: { $ne: null } }),
  );
  registerMfaLifecycle(lifecycle, users);
  registerPasskeyLifecycle(lifecycle);
  registerOAuthLifecycle(lifecycle);
  registerSignInCodeLifecycle(lifecycle);
  return lifecycle;
}

/** The timed sweeps: every feature's expired rows, on one timer. */
function createHousekeeping(
  config: Config,
  orm: MikroORM,
  logger: Logger,
  events: SecurityEvents,
  webhooks: Webhooks,
): Housekeeping {
  const housekeeping = new Housekeeping(orm, config.housekeepingIntervalMs, logger);
  addCoreCleanups(housekeeping, config, webhooks);
  housekeeping.add('security-events', (em, now) =>
    events.deleteOlderThan(em, config.securityEventTtlMs, now),
  );
  addMfaCleanups(housekeeping);
  addSignInCodeCleanups(housekeeping);
  addOAuthCleanups(housekeeping);
  addPasskeyCleanups(housekeeping);
  addInvitationCleanups(housekeeping);
  return housekeeping;
}
