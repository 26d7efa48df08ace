import type { EntityManager } from '@mikro-orm/core';
import { EmailCodes } from '../codes/email-codes';
import { invalidSignInCode, type SignInCodeService } from '../codes/sign-in-code.service';
import { badInput, invalidCredentials, unauthenticated } from '../errors';
import type { PasswordHasher } from '../password/password-hasher';
import { couldBePassword } from '../password/password-policy';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { User } from '../users/user.entity';
import type { SignInFlow } from './sign-in-flow';

/** The signed-in session to renew. */
export interface Reauthenticating {
  userId: string;
  sessionId: string;
}

export interface ReauthenticationServiceDeps {
  readonly hasher: PasswordHasher;
  readonly flow: SignInFlow;
  readonly signInCodes: SignInCodeService;
}

/**
 * Step-up: the signed-in user proves a factor again and this session's tokens get a new auth_time (what
 * `@auth(fresh: N)` checks). It runs the sign-in pipeline like a sign-in, so failures, budgets, the
 * second factor and the account's state are handled the one way; only the end differs (the session is
 * renewed, not opened).
 */
export class ReauthenticationService {
  constructor(private readonly deps: ReauthenticationServiceDeps) {}

  /**
   * The account's password, or for an account without one a code from `requestSignInCode`. Throws
   * BAD_USER_INPUT (the proof the account needs is missing), UNAUTHENTICATED (wrong password or code:
   * sign-in's answers; or the session ended), MFA_REQUIRED (TOTP on: `completeSignIn` renews this
   * session), TOO_MANY_REQUESTS, ACCOUNT_DISABLED.
   */
  async reauthenticate(
    em: EntityManager,
    viewer: Reauthenticating,
    password: unknown,
    code: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const user = await em.findOne(User, { id: viewer.userId }, { populate: ['passwordHash'] });
    if (!user) throw unauthenticated();
    const renew = viewer.sessionId;
    if (user.passwordHash !== null) {
      if (password === null || password === undefined) throw badInput('Enter your password.');
      if (!couldBePassword(password)) throw invalidCredentials();
      const spec = {
        method: 'PASSWORD',
        client,
        ipBudget: 'sign-in',
        account: user.email,
      } as const;
      const hash = user.passwordHash;
      return this.deps.flow.attempt(
        em,
        { ...spec, renew, refused: invalidCredentials },
        async () =>
          (await this.deps.hasher.verify(password, hash))
            ? { ok: true, user }
            : { ok: false, userId: user.id, reason: 'wrong password' },
      );
    }
    if (code === null || code === undefined)
      throw badInput(
        'This account has no password: ask for a sign-in code (requestSignInCode) and enter it.',
      );
    const normalized = EmailCodes.normalize(code);
    if (!normalized) throw invalidSignInCode();
    const spec = {
      method: 'EMAIL_CODE',
      client,
      ipBudget: 'sign-in',
      account: user.email,
    } as const;
    return this.deps.flow.attempt(em, { ...spec, renew, refused: invalidSignInCode }, () =>
      this.deps.signInCodes.prove(em, user.email, normalized),
    );
  }
}
