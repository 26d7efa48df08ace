import type { EntityManager } from '@mikro-orm/core';
import type { SignInFlow, SignInMethod } from '../auth/sign-in-flow';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { AppError, badInput, ErrorCode } from '../errors';
import type { RateLimits } from '../limits/rate-limits';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import { confirmPassword } from '../password/confirm-password';
import type { PasswordHasher } from '../password/password-hasher';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import type { UserWriter } from '../users/user-writer';
import type { AccountLifecycle, Adder } from '../accounts/account-lifecycle';
import { assertFresh, FRESH_FOR_NEW_WAY_IN } from '../sessions/freshness';
import { User } from '../users/user.entity';
import {
  invalidTicket,
  TICKET_MAX_ATTEMPTS,
  type MfaTickets,
  type ReservedTry,
} from './mfa-tickets';
import { RecoveryCode } from './recovery-code.entity';
import type { RecoveryCodes } from './recovery-codes';
import type { Totp } from './totp';

export interface TotpEnrollmentData {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

/** Who asks, and when they last proved a factor (the token's auth_time, in seconds). */
export interface ViewerProof {
  userId: string;
  authTime: number;
}

type Proof = { kind: 'totp' } | { kind: 'recovery'; remaining: number };

const wrongCode = () => new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid code.');
const SIX_DIGITS = /^\d{6}$/;

// Writes go through a fork: a nativeUpdate of a User this EntityManager has loaded would leave it dirty,
// and the next flush would write the old values back.

export interface MfaServiceDeps {
  readonly totp: Totp;
  readonly recovery: RecoveryCodes;
  readonly tickets: MfaTickets;
  readonly flow: SignInFlow;
  readonly hasher: PasswordHasher;
  readonly mailer: Mailer;
  readonly limits: RateLimits;
  readonly users: UserWriter;
  readonly lifecycle: AccountLifecycle;
  readonly events: SecurityEvents;
  readonly logger: Logger;
}

/**
 * TOTP enrolment, recovery codes and the second step of a sign-in. It proves the second factor and
 * hands over to the sign-in flow's `issue`; it never opens sessions itself.
 */
export class MfaService {
  constructor(private readonly deps: MfaServiceDeps) {}

  /**
   * A new pending secret (replacing any earlier pending one); TOTP stays off until confirmed.
   * Throws BAD_USER_INPUT (TOTP already on).
   */
  async startEnrollment(em: EntityManager, userId: string): Promise<TotpEnrollmentData> {
    const user = await em.findOneOrFail(User, { id: userId });
    if (user.totpEnabledAt) {
      throw badInput(
        'Two-step verification is already on: turn it off first to set up another authenticator.',
      );
    }
    const secret = await this.deps.totp.newSecret();
    await em.nativeUpdate(
      User,
      { id: userId, totpEnabledAt: null },
      { totpSecret: this.deps.totp.seal(secret) },
    );
    const otpauthUri = await this.deps.totp.uri(secret, user.email);
    return { secret, otpauthUri, qrCodeSvg: await this.deps.totp.qrCodeSvg(otpauthUri) };
  }

  /**
   * Turns TOTP on with a code from the pending secret and returns fresh recovery codes (shown once).
   * The code spends a point of the account's failure budget, given back when right.
   * Throws BAD_USER_INPUT (no enrolment pending, already on, wrong code), TOO_MANY_REQUESTS.
   */
  async confirmEnrollment(
    em: EntityManager,
    adder: Adder,
    rawCode: unknown,
    client: ClientInfo,
  ): Promise<string[]> {
    const userId = adder.userId;
    const user = await em.findOneOrFail(User, { id: userId }, { populate: ['totpSecret'] });
    if (user.totpEnabledAt) throw badInput('Two-step verification is already on.');
    if (!user.totpSecret) throw badInput('Start an enrolment first (startTotpEnrollment).');
    const code = typeof rawCode === 'string' ? rawCode.replace(/\s+/g, '') : '';
    if (!SIX_DIGITS.test(code))
      throw badInput('Enter the 6-digit code your authenticator app shows.');
    await this.deps.limits.beforeCode(user.email);
    const step = await this.deps.totp.verify(this.deps.totp.open(user.totpSecret), code, null);
    if (step === null) {
      throw badInput(
        'That code is not right: check the clock of your device and try the current code.',
      );
    }
    const codes = await transaction(em.fork(), async (uow) => {
      await this.deps.lifecycle.assertAdderLive(uow, adder);
      // Conditional on the sealed secret read above: a parallel restart or confirm cannot slip between.
      const turnedOn = await uow.em.nativeUpdate(
        User,
        { id: userId, totpEnabledAt: null, totpSecret: user.totpSecret },
        { totpEnabledAt: new Date(), totpLastStep: step, updatedAt: new Date() },
      );
      if (turnedOn !== 1) throw badInput('Start an enrolment first (startTotpEnrollment).');
      const fresh = await this.replaceRecoveryCodes(uow, userId);
      await this.deps.mailer.queue(uow, 'totp-enabled', user);
      await this.deps.events.record(uow, {
        type: SecurityEventType.MFA_ENABLED,
        userId,
        ...client,
      });
      this.deps.users.changed(uow, userId);
      return fresh;
    });
    await this.deps.limits.codeSucceeded(user.email);
    this.deps.logger.info(
      { event: 'mfa_enabled', userId, ip: client.ip },
      'two-step verification turned on',
    );
    return codes;
  }

  /**
   * Turns TOTP off and voids the recovery codes and open tickets. Throws UNAUTHENTICATED (password),
   * REAUTHENTICATION_REQUIRED (an account without a password whose sign-in is not fresh).
   */
  async disable(
    em: EntityManager,
    viewer: ViewerProof,
    password: unknown,
    client: ClientInfo,
  ): Promise<true> {
    const userId = viewer.userId;
    const user = await this.confirmPassword(em, viewer, password);
    await transaction(em.fork(), async (uow) => {
      await uow.em.nativeUpdate(
        User,
        { id: userId },
        { totpSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: new Date() },
      );
      await uow.em.nativeDelete(RecoveryCode, { user: userId });
      await this.deps.tickets.revokeAll(uow.em, userId);
      if (user.totpEnabledAt) {
        await this.deps.mailer.queue(uow, 'totp-disabled', user);
        await this.deps.events.record(uow, {
          type: SecurityEventType.MFA_DISABLED,
          userId,
          ...client,
        });
      }
      this.deps.users.changed(uow, userId);
    });
    if (user.totpEnabledAt) {
      this.deps.logger.info(
        { event: 'mfa_disabled', userId, ip: client.ip },
        'two-step verification turned off',
      );
    }
    return true;
  }

  /**
   * Replaces every recovery code with 10 new ones (shown once). Throws UNAUTHENTICATED (password),
   * BAD_USER_INPUT (TOTP off).
   */
  async regenerateRecoveryCodes(
    em: EntityManager,
    viewer: ViewerProof,
    password: unknown,
  ): Promise<string[]> {
    const userId = viewer.userId;
    const user = await this.confirmPassword(em, viewer, password);
    if (!user.totpEnabledAt)
      throw badInput('Two-step verification is off: there are no recovery codes.');
    const codes = await transaction(em.fork(), async (uow) => {
      const fresh = await this.replaceRecoveryCodes(uow, userId);
      await this.deps.mailer.queue(uow, 'recovery-codes-regenerated', user);
      return fresh;
    });
    this.deps.logger.info(
      { event: 'recovery_codes_regenerated', userId },
      'recovery codes replaced',
    );
    return codes;
  }

  /**
   * The second step of a sign-in: a TOTP code (each step accepted once) or a recovery code (each once)
   * against an `mfaTicket`, through the sign-in pipeline. Every try reserves one of the ticket's 5
   * tries with the ticket's lookup, before its code is checked (so codes sent at once cannot outrun them) and spends a point of
   * the account's failure budget (given back when right). The first wrong code of a ticket that
   * followed a right password mails the owner. Throws INVALID_TOKEN, TOKEN_EXPIRED (ticket),
   * UNAUTHENTICATED (wrong code), TOO_MANY_REQUESTS, and whatever the sign-in flow throws.
   */
  async completeSignIn(
    em: EntityManager,
    mfaTicket: unknown,
    rawCode: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    let ticket!: ReservedTry;
    let user!: User;
    const owner = async () => {
      // The try is reserved with the lookup (one statement): no extra round trip for it.
      ticket = await this.deps.tickets.reserveTry(em, mfaTicket);
      const found = await em.findOne(User, { id: ticket.userId }, { populate: ['totpSecret'] });
      // TOTP turned off (or the account deleted) since the ticket was made: its first step is void too.
      if (!found?.totpEnabledAt || !found.totpSecret) {
        await this.deps.tickets.revokeAll(em, ticket.userId);
        throw invalidTicket();
      }
      user = found;
      const method = ticket.method as SignInMethod;
      // Disabled since the ticket was made: no session, whatever the code.
      this.deps.flow.assertCanSignIn(user, method);
      // A reauthentication's ticket renews its session rather than opening another.
      return { email: user.email, method, renew: ticket.sessionId };
    };
    const spec = {
      method: null,
      factor: 'second',
      client,
      ipBudget: 'token',
      account: owner,
    } as const;
    return this.deps.flow.attempt(em, { ...spec, refused: wrongCode }, async () => {
      const { tryNumber } = ticket;
      // One transaction spends the ticket and the code together: neither is used up without the other.
      const proof = await transaction(em.fork(), async (uow) => {
        const proven = await this.checkCode(uow.em, user, rawCode);
        if (!proven) return null;
        await this.deps.tickets.spend(uow.em, ticket.id);
        if (proven.kind === 'recovery') {
          await this.deps.mailer.queue(uow, 'recovery-code-used', user, {
            remaining: proven.remaining,
          });
          await this.deps.events.record(uow, {
            type: SecurityEventType.RECOVERY_CODE_USED,
            userId: user.id,
            ...client,
          });
        }
        return proven;
      });
      if (!proof) {
        const dead = tryNumber >= TICKET_MAX_ATTEMPTS;
        return {
          ok: false,
          userId: user.id,
          reason: dead ? 'wrong code, ticket used up' : 'wrong code',
          // Once per ticket: whoever typed the password right does not have the second factor.
          record: async (uow) => {
            if (tryNumber === 1 && ticket.method === 'PASSWORD')
              await this.deps.mailer.queue(uow, 'second-factor-failed', user);
          },
        };
      }
      if (proof.kind === 'recovery') {
        this.deps.logger.info(
          { event: 'recovery_code_used', userId: user.id, remaining: proof.remaining },
          'recovery code used',
        );
      }
      return { ok: true, user };
    });
  }

  /**
   * Spends the code if it is right: a TOTP step newer than the last one accepted, or an unused recovery
   * code. `em` must not hold the user loaded (a transaction's fork): see the note on writes above.
   */
  private async checkCode(em: EntityManager, user: User, rawCode: unknown): Promise<Proof | null> {
    if (typeof rawCode !== 'string' || rawCode.length > 32) return null;
    const code = rawCode.replace(/\s+/g, '');
    if (SIX_DIGITS.test(code)) {
      const step = await this.deps.totp.verify(
        this.deps.totp.open(user.totpSecret!),
        code,
        user.totpLastStep,
      );
      if (step === null) return null;
      // Conditional on the last step read: of two requests with one code, only the first counts.
      const accepted = await em.nativeUpdate(
        User,
        { id: user.id, totpLastStep: user.totpLastStep === null ? null : { $lt: step } },
        { totpLastStep: step },
      );
      return accepted === 1 ? { kind: 'totp' } : null;
    }
    const hashes = this.deps.recovery.candidateHashes(code);
    if (hashes.length === 0) return null;
    const spent = await em.nativeUpdate(
      RecoveryCode,
      { user: user.id, codeHash: { $in: hashes }, usedAt: null },
      { usedAt: new Date() },
    );
    if (spent !== 1) return null;
    const remaining = await em.count(RecoveryCode, { user: user.id, usedAt: null });
    return { kind: 'recovery', remaining };
  }

  /**
   * The shared re-confirmation, inside the account's failure budget. An account without a password
   * (social or passkey only) proves itself by a fresh sign-in instead: no budget point is burnt on a
   * password that cannot exist. Throws UNAUTHENTICATED, REAUTHENTICATION_REQUIRED.
   */
  private async confirmPassword(
    em: EntityManager,
    viewer: ViewerProof,
    password: unknown,
  ): Promise<User> {
    const user = await em.findOne(User, { id: viewer.userId }, { populate: ['passwordHash'] });
    if (user && user.passwordHash === null) {
      assertFresh(viewer.authTime, FRESH_FOR_NEW_WAY_IN);
      return user;
    }
    return confirmPassword(
      em,
      this.deps.hasher,
      this.deps.limits,
      viewer.userId,
      password,
      'Password is incorrect.',
    );
  }

  private async replaceRecoveryCodes(uow: UnitOfWork, userId: string): Promise<string[]> {
    await uow.em.nativeDelete(RecoveryCode, { user: userId });
    const fresh = this.deps.recovery.generate();
    for (const { codeHash } of fresh) {
      uow.em.create(RecoveryCode, { user: uow.em.getReference(User, userId), codeHash });
    }
    await uow.em.flush();
    return fresh.map((c) => c.code);
  }
}
