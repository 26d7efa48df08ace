import jwt from 'jsonwebtoken';
import { generateSync } from 'otplib';
import { codeOf, ME, signIn, sleep, type Tokens } from './flows';
import type { ReceivedMail } from './inbox';
import type { TestServer } from './server';

export const START_TOTP = `mutation { startTotpEnrollment { secret otpauthUri qrCodeSvg } }`;
export const CONFIRM_TOTP = `mutation ($code: String!) { confirmTotpEnrollment(code: $code) }`;
export const DISABLE_TOTP = `mutation ($password: String!) { disableTotp(password: $password) }`;
export const REGENERATE = `mutation ($password: String!) { regenerateRecoveryCodes(password: $password) }`;
export const COMPLETE = `mutation ($mfaTicket: String!, $code: String!) {
  completeSignIn(mfaTicket: $mfaTicket, code: $code) { accessToken refreshToken expiresIn user { id email mfaEnabled } }
}`;
export const ME_MFA = `{ me { id mfaEnabled } }`;
export const ACTIVATE_WITH_CODE = `mutation ($email: String!, $code: String!) {
  activateAccountWithCode(email: $email, code: $code) { id email isActive }
}`;
export const RESET_WITH_CODE = `mutation ($email: String!, $code: String!, $newPassword: String!) {
  resetPasswordWithCode(email: $email, code: $code, newPassword: $newPassword)
}`;
export const REQUEST_SIGN_IN_CODE = `mutation ($email: String!) { requestSignInCode(email: $email) }`;
export const SIGN_IN_WITH_CODE = `mutation ($email: String!, $code: String!) {
  signInWithCode(email: $email, code: $code) { accessToken refreshToken user { id email } }
}`;

/** The TOTP code an authenticator app shows `steps` periods from now. */
export const totpCode = (secret: string, steps = 0) =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

/** Waits until the clock is well inside a 30 s step, so codes computed now mean the same step to the server. */
export async function awayFromStepEdge(): Promise<void> {
  const into = (Date.now() / 1000) % 30;
  if (into < 1 || into > 26) await sleep(((30 - into + 1.5) % 30) * 1000);
}

export const amrOf = (accessToken: string) =>
  (jwt.decode(accessToken) as jwt.JwtPayload).amr as string[];

/** The 6-digit code of a mail. */
export function mailCode(mail: ReceivedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`no code in mail "${mail.subject}":\n${mail.text}`);
  return match[1]!;
}

export interface MfaUser {
  email: string;
  secret: string;
  recoveryCodes: string[];
  tokens: Tokens;
}

/**
 * Turns TOTP on for a signed-in user, confirming with the code of the previous step, so the current
 * and the next step are still unused for the sign-ins of the test.
 */
export async function enableTotp(
  server: TestServer,
  email: string,
  headers: Record<string, string> = {},
): Promise<MfaUser> {
  const tokens = await signIn(server, email);
  const started = await server.gql(START_TOTP, {}, { token: tokens.accessToken });
  expect(started.errors).toBeUndefined();
  const secret = started.data!.startTotpEnrollment.secret as string;
  await awayFromStepEdge();
  const mails = server.inbox.for(email).length;
  const confirmed = await server.gql(
    CONFIRM_TOTP,
    { code: totpCode(secret, -1) },
    { token: tokens.accessToken, headers },
  );
  expect(confirmed.errors).toBeUndefined();
  // The "turned on" notice, so a test counting mails after this starts from a settled inbox.
  await server.inbox.waitFor(email, mails + 1);
  return { email, secret, recoveryCodes: confirmed.data!.confirmTotpEnrollment, tokens };
}

/** Signs in with the password and returns the MFA_REQUIRED ticket. */
export async function passwordTicket(
  server: TestServer,
  email: string,
  password: string,
): Promise<string> {
  const res = await server.gql(
    `mutation ($email: String!, $password: String!) {
      signIn(input: { email: $email, password: $password }) { accessToken }
    }`,
    { email, password },
  );
  expect(codeOf(res)).toBe('MFA_REQUIRED');
  return res.errors![0]!.extensions!.mfaTicket as string;
}

export { ME };
