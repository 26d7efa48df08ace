import type { AccountLifecycle, Adder } from '../accounts/account-lifecycle';
import { createHmac } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { METHOD_AMR, type SignInFlow } from '../auth/sign-in-flow';
import type { WebAuthnConfig } from './passkeys.config';
import { transaction, type UnitOfWork } from '../database/unit-of-work';
import { SecurityEventType, type SecurityEvents } from '../events/security-events';
import type { Housekeeping } from '../housekeeping/housekeeping';
import { AppError, badInput, ErrorCode, invalidToken } from '../errors';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import type { TemplateName } from '../mail/templates';
import type { ClientInfo, IssuedTokens } from '../sessions/session.service';
import { lazy } from '../lazy';
import { normalizeEmail } from '../users/email';
import { User } from '../users/user.entity';
import { ChallengeKind, PasskeyChallenge } from './passkey-challenge.entity';
import { Passkey } from './passkey.entity';
import { isUuid } from '../ids';

export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Enough for every device a person owns; bounds excludeCredentials and allowCredentials. */
export const MAX_PASSKEYS_PER_USER = 20;
const NO_USER = '00000000-0000-0000-0000-000000000000';
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

export interface PasskeyChallengeOut<T> {
  challengeId: string;
  options: T;
}

/** RFC 8176 "swk": a software-secured key, which a synced passkey is (it leaves the device). */
const SYNCED_PASSKEY_AMR = Object.freeze(['swk', 'user']);

const signInFailed = () => new AppError(ErrorCode.UNAUTHENTICATED, 'Passkey sign-in failed.');
const challengeSpent = () =>
  invalidToken('This passkey challenge is unknown, expired or already used: start again.');
const notConfigured = () =>
  // A deployment fault, not the client's: masked as INTERNAL_SERVER_ERROR, explained in the log.
  new Error('passkeys are off: set WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS (APP_URL is no web URL)');

// @simplewebauthn/server and its ASN.1 parsers cost a tenth of a start-up: loaded at the first passkey call.
const simpleWebAuthn = lazy(() => import('@simplewebauthn/server'));

export interface PasskeyServiceDeps {
  /** null: passkeys are off (no web APP_URL and no WEBAUTHN_RP_ID). */
  readonly config: WebAuthnConfig | null;
  readonly flow: SignInFlow;
  readonly lifecycle: AccountLifecycle;
  readonly mailer: Mailer;
  readonly events: SecurityEvents;
  /** HMAC key of the stand-in credential ids answered for addresses without passkeys. */
  readonly decoyKey: Buffer;
  readonly logger: Logger;
}

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: registration for a signed-in user, and sign-in that
 * ends in the shared SignInFlow with amr ["hwk","user"] (["swk","user"] when synced). Challenges live in the database, are spent
 * once by a conditional update before any verification, and die after 5 minutes. User verification
 * is required at both ceremonies; a signature counter that does not grow is refused.
 */
export class PasskeyService {
  constructor(private readonly deps: PasskeyServiceDeps) {}

  list(em: EntityManager, userId: string): Promise<Passkey[]> {
    return em.find(Passkey, { user: userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  count(em: EntityManager, userId: string): Promise<number> {
    return em.count(Passkey, { user: userId });
  }

  /** Options for navigator.credentials.create(), bound to this user. Throws BAD_USER_INPUT (too many). */
  async startRegistration(
    em: EntityManager,
    userId: string,
  ): Promise<PasskeyChallengeOut<PublicKeyCredentialCreationOptionsJSON>> {
    const webauthn = this.webauthn();
    const user = await em.findOneOrFail(User, userId);
    const existing = await this.list(em, userId);
    if (existing.length >= MAX_PASSKEYS_PER_USER) throw tooMany();
    const { generateRegistrationOptions } = await simpleWebAuthn();
    const options = await generateRegistrationOptions({
      rpName: webauthn.rpName,
      rpID: webauthn.rpId,
      userName: user.email,
      userDisplayName: user.email,
      // The user handle a discoverable credential hands back at sign-in; the id, never the email.
      userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({
        id: p.credentialId,
        transports: transportsOf(p),
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const challengeId = await this.saveChallenge(
      em,
      ChallengeKind.REGISTRATION,
      options.challenge,
      user,
    );
    return { challengeId, options };
  }

  /**
   * Verifies the authenticator's answer and stores the passkey; mails the owner. Throws INVALID_TOKEN
   * (challenge unknown, used, expired or another user's), BAD_USER_INPUT (response not verified, name,
   * credential already registered, too many passkeys).
   */
  async finishRegistration(
    em: EntityManager,
    adder: Adder,
    challengeId: string,
    response: unknown,
    rawName: unknown,
    client: ClientInfo,
  ): Promise<Passkey> {
    const userId = adder.userId;
    const webauthn = this.webauthn();
    const name = rawName === null || rawName === undefined ? null : passkeyName(rawName);
    const challenge = await this.spendChallenge(
      em,
      challengeId,
      ChallengeKind.REGISTRATION,
      userId,
    );
    const { verifyRegistrationResponse } = await simpleWebAuthn();
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge.challenge,
        expectedOrigin: [...webauthn.origins],
        expectedRPID: webauthn.rpId,
        requireUserVerification: true,
      });
    } catch (err) {
      this.deps.logger.info(
        { event: 'passkey_registration_refused', userId, reason: reasonOf(err) },
        'passkey registration refused',
      );
      throw badInput('The passkey could not be verified: start again.');
    }
    if (!verified.verified) throw badInput('The passkey could not be verified: start again.');
    const { credential, credentialBackedUp } = verified.registrationInfo;
    try {
      return await transaction(em, async (uow) => {
        await this.deps.lifecycle.assertAdderLive(uow, adder);
        const count = await uow.em.count(Passkey, { user: userId });
        if (count >= MAX_PASSKEYS_PER_USER) throw tooMany();
        const user = uow.em.getReference(User, userId);
        const passkey = uow.em.create(Passkey, {
          user,
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports: storedTransports(credential.transports),
          backedUp: credentialBackedUp,
          name: name ?? `Passkey ${count + 1}`,
        });
        await uow.em.flush();
        await this.mail(uow, 'passkey-added', userId);
        await this.deps.events.record(uow, {
          type: SecurityEventType.PASSKEY_ADDED,
          userId,
          ...client,
          detail: { passkeyId: passkey.id },
        });
        this.deps.logger.info(
          { event: 'passkey_added', userId, passkeyId: passkey.id, ip: client.ip },
          'passkey added',
        );
        return passkey;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException)
        throw badInput('This passkey is already registered.');
      throw err;
    }
  }

  /** Removes one of the user's passkeys and mails the owner. Throws BAD_USER_INPUT (no such passkey). */
  async delete(em: EntityManager, userId: string, id: string, client: ClientInfo): Promise<void> {
    // Another user's passkey and an unknown id look the same.
    if (!isUuid(id)) throw badInput('No such passkey.');
    await transaction(em, async (uow) => {
      const deleted = await uow.em.nativeDelete(Passkey, { id, user: userId });
      if (deleted !== 1) throw badInput('No such passkey.');
      // Like unlinkAccount: the account's last way in stays (the delete rolls back).
      await this.deps.lifecycle.assertWayInLeft(uow, userId);
      await this.mail(uow, 'passkey-removed', userId);
      await this.deps.events.record(uow, {
        type: SecurityEventType.PASSKEY_REMOVED,
        userId,
        ...client,
        detail: { passkeyId: id },
      });
    });
    this.deps.logger.info(
      { event: 'passkey_removed', userId, passkeyId: id, ip: client.ip },
      'passkey removed',
    );
  }

  /**
   * Options for navigator.credentials.get(). With an email, its passkeys are allowed (and the
   * challenge is bound to that account); an address without passkeys gets a stand-in answer of the
   * same shape, so the answer tells nothing about registration. Without one: any discoverable
   * passkey. Throws BAD_USER_INPUT (email), TOO_MANY_REQUESTS (sign-in attempts per IP).
   */
  async startSignIn(
    em: EntityManager,
    rawEmail: unknown,
    client: ClientInfo,
  ): Promise<PasskeyChallengeOut<PublicKeyCredentialRequestOptionsJSON>> {
    const webauthn = this.webauthn();
    const email = rawEmail === null || rawEmail === undefined ? null : normalizeEmail(rawEmail);
    // The per-IP sign-in budget is charged here, where a passkey sign-in starts; finishing checks it.
    await this.deps.flow.admit('PASSKEY', client);
    let user: User | null = null;
    let allow: Array<{ id: string; transports?: string[] }> = [];
    if (email !== null) {
      user = await em.findOne(User, { email });
      // The same two queries whether or not the address is known: the timing tells nothing either.
      const passkeys = await this.list(em, user?.id ?? NO_USER);
      allow = passkeys.map((p) => ({ id: p.credentialId, transports: transportsOf(p) }));
      if (allow.length === 0) {
        user = null;
        allow = [this.decoyCredential(email)];
      }
    }
    const { generateAuthenticationOptions } = await simpleWebAuthn();
    const options = await generateAuthenticationOptions({
      rpID: webauthn.rpId,
      allowCredentials: allow,
      userVerification: 'required',
      timeout: CHALLENGE_TTL_MS,
    });
    // A stand-in is stored live and marked: finishing it spends it and answers as a wrong credential
    // for a real account does (a spent one would answer INVALID_TOKEN and give the address away).
    const decoy = email !== null && user === null;
    const challengeId = await this.saveChallenge(
      em,
      ChallengeKind.AUTHENTICATION,
      options.challenge,
      user,
      decoy,
    );
    return { challengeId, options };
  }

  /**
   * Verifies the assertion through the sign-in pipeline. amr ["swk","user"] for a passkey its
   * authenticator says is synced (backed up), ["hwk","user"] for a device-bound one (RFC 8176); both
   * are two factors. Throws INVALID_TOKEN (challenge unknown, used or expired), UNAUTHENTICATED
   * (anything about the response: unknown credential, another account's, a stand-in challenge of an
   * address without passkeys, bad signature, origin, no user verification, counter), and what
   * SignInFlow.finish throws (ACCOUNT_NOT_ACTIVATED, ACCOUNT_DISABLED).
   */
  async finishSignIn(
    em: EntityManager,
    challengeId: string,
    response: unknown,
    client: ClientInfo,
  ): Promise<IssuedTokens> {
    const webauthn = this.webauthn();
    const spent = await this.spendChallenge(em, challengeId, ChallengeKind.AUTHENTICATION);
    // Its IP budget was charged by startSignIn; a passkey has no address whose failures it counts.
    const spec = { method: 'PASSKEY', client, ipBudget: null, account: null } as const;
    return this.deps.flow.attempt(em, { ...spec, refused: signInFailed }, async () => {
      const credentialId =
        isRecord(response) && typeof response.id === 'string' ? response.id : null;
      const passkey =
        credentialId && credentialId.length <= 1400
          ? await em.findOne(Passkey, { credentialId }, { populate: ['user'] })
          : null;
      // Only a credential that names an account records the failure for its owner to see.
      const refuse = (reason: string) =>
        ({ ok: false, userId: passkey?.user.id ?? null, reason }) as const;
      if (!passkey) return refuse('unknown credential');
      // After the same lookups as a real challenge: no credential can finish a stand-in's sign-in.
      if (spent.decoy) return refuse('challenge of an address without passkeys');
      if (spent.userId !== null && spent.userId !== passkey.user.id)
        return refuse('credential of another account than the email named');
      const userHandle = (response as { response?: { userHandle?: unknown } }).response?.userHandle;
      if (
        typeof userHandle === 'string' &&
        Buffer.from(userHandle, 'base64url').toString('utf8') !== passkey.user.id
      )
        return refuse('user handle of another account');
      const { verifyAuthenticationResponse } = await simpleWebAuthn();
      let info: { newCounter: number; credentialBackedUp: boolean };
      try {
        const verified = await verifyAuthenticationResponse({
          response: response as AuthenticationResponseJSON,
          expectedChallenge: spent.challenge,
          expectedOrigin: [...webauthn.origins],
          expectedRPID: webauthn.rpId,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: passkey.counter,
            transports: transportsOf(passkey),
          },
          requireUserVerification: true,
        });
        if (!verified.verified) return refuse('signature not verified');
        info = verified.authenticationInfo;
      } catch (err) {
        return refuse(reasonOf(err));
      }
      // Compare-and-set: of two assertions racing with one counter value, only one moves it on. Its
      // own statement: SignInFlow runs its own unit of work (session, event) after it. The backup
      // state is the authenticator's word at this sign-in (a passkey can become synced later).
      const moved = await em.nativeUpdate(
        Passkey,
        { id: passkey.id, counter: passkey.counter },
        { counter: info.newCounter, lastUsedAt: new Date(), backedUp: info.credentialBackedUp },
      );
      if (moved !== 1) return refuse('signature counter raced');
      const amr = info.credentialBackedUp ? SYNCED_PASSKEY_AMR : METHOD_AMR.PASSKEY;
      return { ok: true, user: passkey.user, amr };
    });
  }

  private webauthn(): WebAuthnConfig {
    if (!this.deps.config) throw notConfigured();
    return this.deps.config;
  }

  private async saveChallenge(
    em: EntityManager,
    kind: ChallengeKind,
    challenge: string,
    user: User | null,
    decoy = false,
  ): Promise<string> {
    const row = em.create(PasskeyChallenge, {
      kind,
      challenge,
      user,
      expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
      decoy,
    });
    await em.flush();
    return row.id;
  }

  /**
   * Spends the challenge (UPDATE ... WHERE used_at IS NULL AND not expired) before anything is
   * verified, so a failed attempt uses it up too. Throws INVALID_TOKEN.
   */
  private async spendChallenge(
    em: EntityManager,
    id: string,
    kind: ChallengeKind,
    userId?: string,
  ): Promise<{ challenge: string; userId: string | null; decoy: boolean }> {
    if (!isUuid(id)) throw challengeSpent();
    const now = new Date();
    const where = {
      id,
      kind,
      usedAt: null,
      expiresAt: { $gt: now },
      ...(userId ? { user: userId } : {}),
    };
    const row = await em.findOne(PasskeyChallenge, where);
    if (!row || (await em.nativeUpdate(PasskeyChallenge, where, { usedAt: now })) !== 1)
      throw challengeSpent();
    return { challenge: row.challenge, userId: row.user?.id ?? null, decoy: row.decoy };
  }

  /** A credential id that is the same for the same address every time, and belongs to no one. */
  private decoyCredential(email: string): {
    id: string;
    transports: string[];
  } {
    const mac = createHmac('sha256', this.deps.decoyKey).update(email).digest();
    return {
      id: mac.subarray(0, 16 + (mac[31]! % 17)).toString('base64url'),
      transports: ['internal', 'hybrid'],
    };
  }

  private async mail(uow: UnitOfWork, template: TemplateName, userId: string): Promise<void> {
    const user = await uow.em.findOneOrFail(User, userId);
    await this.deps.mailer.queue(uow, template, user);
  }
}

/** Used and expired challenges go with the deployment's housekeeping (HOUSEKEEPING_INTERVAL). */
export function addPasskeyCleanups(housekeeping: Housekeeping): void {
  housekeeping.add('passkey-challenges', (em, now) =>
    em.nativeDelete(PasskeyChallenge, {
      $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lt: now } }],
    }),
  );
}

const tooMany = () =>
  badInput(`An account can have at most ${MAX_PASSKEYS_PER_USER} passkeys: remove one first.`);

/** 1 to 64 characters on one line; blank means "the default name". Throws BAD_USER_INPUT. */
function passkeyName(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 256)
    throw badInput('Passkey name: 1 to 64 characters.');
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name === '') return null;
  if ([...name].length > 64 || CONTROL_CHARS.test(name))
    throw badInput('Passkey name: 1 to 64 characters on one line.');
  return name;
}

function transportsOf(passkey: Passkey): string[] | undefined {
  return passkey.transports ? passkey.transports.split(',') : undefined;
}

/** Only the transports WebAuthn names, so a client cannot store arbitrary text through them. */
function storedTransports(transports: readonly string[] | undefined): string | null {
  const known = (transports ?? []).filter((t) => TRANSPORTS.has(t));
  return known.length ? [...new Set(known)].join(',') : null;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The library's reason, for the log: short, and about the response, never a secret. */
function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}
