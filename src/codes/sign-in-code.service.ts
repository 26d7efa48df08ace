import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Proof, SignInFlow } from '../auth/sign-in-flow';
import type { Background } from '../background';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { AppError, ErrorCode } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import type { Mailer } from '../mail/mailer';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { normalizeEmail } from '../users/email';
import { NO_ACCOUNT } from '../users/no-account';
import { User } from '../users/user.entity';
import { CODE_TTL_MS, EmailCodes } from './email-codes';
import { SignInCode } from './sign-in-code.entity';

export const invalidSignInCode = () =>
  new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid email or code.');

export interface SignInCodeServiceDeps {
  readonly orm: MikroORM;
  readonly codes: EmailCodes;
  readonly mailer: Mailer;
  readonly flow: SignInFlow;
  readonly limits: RateLimits;
  readonly background: Background;
}

/** Passwordless sign-in: a 6-digit code mailed to an active account proves the address (amr "email"). */
export class SignInCodeService {
  constructor(private readonly deps: SignInCodeServiceDeps) {}

  /**
   * Mails a code to an active account (a newer code retires the older one); answers true for any
   * address, after the same work. Shares the mail budget of sign-up and reset. Throws BAD_USER_INPUT,
   * TOO_MANY_REQUESTS.
   */
  async request(rawEmail: unknown, client: ClientInfo): Promise<true> {
    const email = normalizeEmail(rawEmail);
    await this.deps.limits.emailRequest(email, client.ip);
    // Done after the answer: a known and an unknown address must take the same time.
    this.deps.background.run('sign-in code request', async () => {
      const em = this.deps.orm.em.fork();
      const user = await em.findOne(User, { email });
      if (!user?.isActive) return;
      await transaction(em, async (uow) => {
        const tx = uow.em;
        await tx.nativeUpdate(SignInCode, { user: user.id, usedAt: null }, { usedAt: new Date() });
        const id = randomUUID();
        const { code, codeHash, codeExpiresAt } = this.deps.codes.create(id);
        tx.create(SignInCode, {
          id,
          user: tx.getReference(User, user.id),
          codeHash,
          codeExpiresAt,
        });
        await tx.flush();
        await this.deps.mailer.queue(uow, 'sign-in-code', email, {
          code,
          codeTtl: CODE_TTL_MS,
        });
      });
    });
    return true;
  }

  /**
   * Signs in with a mailed code, through the sign-in pipeline like every method (MFA_REQUIRED when
   * TOTP is on). Each try counts as a sign-in attempt of the IP and spends a point of the address's
   * failure budget (given back when right); 5 wrong codes kill the code. A wrong code and an unknown
   * address answer alike, after the same work. Throws UNAUTHENTICATED, BAD_USER_INPUT,
   * TOO_MANY_REQUESTS, MFA_REQUIRED, ACCOUNT_NOT_ACTIVATED.
   */
  async signIn(
    em: EntityManager,
    rawEmail: unknown,
    rawCode: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const email = normalizeEmail(rawEmail);
    const code = EmailCodes.normalize(rawCode);
    if (!code) throw invalidSignInCode();
    const spec = { method: 'EMAIL_CODE', client, ipBudget: 'sign-in', account: email } as const;
    return this.deps.flow.attempt(em, { ...spec, refused: invalidSignInCode }, () =>
      this.prove(em, email, code),
    );
  }

  /**
   * The proof of an email code for `flow.attempt` (sign-in, and reauthentication of an account without a
   * password): spends the live code of the address if `code` (normalised) is it.
   */
  async prove(em: EntityManager, email: string, code: string): Promise<Proof> {
    const user = await em.findOne(User, { email });
    const where = { user: user?.id ?? NO_ACCOUNT };
    const hit = await this.deps.codes.check(em, SignInCode, where, code);
    const userId = user?.id ?? null;
    if (hit === null) {
      // The miss is counted in the failure's transaction, with its event: one write, known or not.
      const record = (uow: UnitOfWork) => EmailCodes.countMiss(uow.em, SignInCode, where);
      return { ok: false, userId, reason: user ? 'wrong code' : 'unknown address', record };
    }
    const spent = await em.nativeUpdate(
      SignInCode,
      { id: hit, usedAt: null },
      { usedAt: new Date() },
    );
    if (spent !== 1 || !user) return { ok: false, userId, reason: 'code spent meanwhile' };
    return { ok: true, user };
  }
}
