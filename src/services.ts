import type { MikroORM } from '@mikro-orm/core';
import { AccountService } from './auth/account.service';
import { SignInFlow } from './auth/sign-in-flow';
import { SignInService } from './auth/sign-in.service';
import type { Config } from './config';
import { RateLimits } from './limits/rate-limits';
import type { Logger } from './logger';
import { Mailer } from './mail/mailer';
import { OutboxCipher } from './mail/outbox-cipher';
import { MailTemplates } from './mail/templates';
import { MailTransport } from './mail/transport';
import { PasswordHasher } from './password/password-hasher';
import { PasskeyService } from './passkeys/passkey.service';
import { PasswordService } from './password/password.service';
import { SessionCache } from './sessions/session-cache';
import { SessionService } from './sessions/session.service';
import { JwtService } from './tokens/jwt';
import { TokenPurpose } from './tokens/one-time-token.entity';
import { OneTimeTokenService } from './tokens/one-time-token.service';
import { ServerSecrets } from './tokens/secrets';
import { UserService } from './users/user.service';
import { UserCache } from './users/user-cache';

/** Everything resolvers call. Services import neither type-graphql nor Apollo. */
export interface Services {
  jwt: JwtService;
  mailer: Mailer;
  hasher: PasswordHasher;
  sessions: SessionService;
  accounts: AccountService;
  signIn: SignInService;
  /** The shared end of every sign-in method: account state, second factor, session, tokens. */
  signInFlow: SignInFlow;
  passwords: PasswordService;
  users: UserService;
  /** Rate limits (API.md "Limits"); requestPasswordReset calls `limits.emailRequest(email, ip)`. */
  limits: RateLimits;
  /** The public view of users, cached per process; invalidate(id) after changing a user. */
  userCache: UserCache;
  /** Keys derived from JWT_SECRET, one per purpose. */
  secrets: ServerSecrets;
  passkeys: PasskeyService;
}

/** Wires the services for one app instance: no globals, so tests can run several apps in one process. */
export function createServices(config: Config, orm: MikroORM, logger: Logger): Services {
  const jwt = new JwtService({
    secret: config.jwt.secret,
    privateKeyPem: config.jwt.privateKeyPem,
    previousPublicKeysPem: config.jwt.previousPublicKeysPem,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    clockSkewSec: config.jwt.clockSkewSec,
  });
  const transport = new MailTransport({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    outboxDir: config.mail.outboxDir,
    printToConsole: config.env === 'development',
    sendTimeoutMs: config.mail.sendTimeoutMs,
  });
  const mailer = new Mailer(
    orm,
    transport,
    new OutboxCipher(config.jwt.secret),
    new MailTemplates(config.mail.appName, config.mail.templatesDir),
    config.mail,
    logger,
  );
  const hasher = new PasswordHasher(
    config.bcryptCost,
    config.bcryptConcurrency,
    config.bcryptQueueLimit,
  );
  const limits = RateLimits.create(config, orm);
  const userCache = new UserCache(config.sessionCacheTtlMs);
  const oneTimeTokens = new OneTimeTokenService(jwt, {
    [TokenPurpose.ACTIVATION]: config.activationTtlSec,
    [TokenPurpose.RESET]: config.resetTtlSec,
  });
  const sessions = new SessionService(
    config,
    jwt,
    new SessionCache(config.sessionCacheTtlMs),
    userCache,
    mailer,
    logger,
  );
  const signInFlow = new SignInFlow(sessions, logger);
  const secrets = new ServerSecrets(config.jwt.secret, []);
  return {
    jwt,
    mailer,
    hasher,
    sessions,
    accounts: new AccountService(
      config,
      orm,
      hasher,
      oneTimeTokens,
      mailer,
      sessions,
      limits,
      userCache,
      logger,
    ),
    signIn: new SignInService(hasher, signInFlow, limits, logger),
    signInFlow,
    passwords: new PasswordService(
      config,
      orm,
      hasher,
      oneTimeTokens,
      sessions,
      mailer,
      limits,
      userCache,
      logger,
    ),
    users: new UserService(sessions, userCache),
    userCache,
    limits,
    secrets,
    passkeys: new PasskeyService(
      config.webauthn,
      signInFlow,
      mailer,
      limits,
      secrets.key('passkey-decoy'),
      logger,
    ),
  };
}
