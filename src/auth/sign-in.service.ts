import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { invalidCredentials } from '../errors';
import type { PasswordHasher } from '../password/password-hasher';
import { couldBePassword } from '../password/password-policy';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { normalizeEmail } from '../users/email';
import { User } from '../users/user.entity';
import type { SignInFlow } from './sign-in-flow';

export interface SignInServiceDeps {
  readonly hasher: PasswordHasher;
  readonly flow: SignInFlow;
}

export class SignInService {
  constructor(private readonly deps: SignInServiceDeps) {}

  /**
   * Checks the password and opens a session. Unknown email and wrong password give the same error
   * after the same bcrypt work. Throws BAD_USER_INPUT, UNAUTHENTICATED, ACCOUNT_NOT_ACTIVATED,
   * MFA_REQUIRED, TOO_MANY_REQUESTS (per IP, or per address after too many failures; checked before
   * bcrypt, whose queue answers it too when full).
   */
  async signIn(
    em: EntityManager,
    rawEmail: unknown,
    password: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const email = normalizeEmail(rawEmail);
    // Nothing longer than bcrypt's 72 bytes was ever accepted, so it cannot match: refuse before hashing.
    if (!couldBePassword(password)) throw invalidCredentials();
    const spec = { method: 'PASSWORD', client, ipBudget: 'sign-in', account: email } as const;
    return this.deps.flow.attempt(em, { ...spec, refused: invalidCredentials }, async () => {
      // One plain SELECT mapped by the ORM: findOne's query building cost twice the row's mapping, on
      // every sign-in (the whole row, the lazy passwordHash included, is what the flow needs).
      const [row] = await (em as SqlEntityManager).getKnex()('users').where({ email }).limit(1);
      const user = row ? em.map(User, row) : null;
      const ok = user
        ? await this.deps.hasher.verify(password, user.passwordHash)
        : await this.deps.hasher.dummyVerify(password);
      if (user && ok) return { ok: true, user };
      return {
        ok: false,
        userId: user?.id ?? null,
        reason: user ? 'wrong password' : 'unknown address',
      };
    });
  }
}
