import { linkToken } from './helpers/inbox';
import {
  ACTIVATE,
  codeOf,
  requestResetToken,
  RESEND,
  RESET_PASSWORD,
  SIGN_IN,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { PRODUCTION_ENV } from './helpers/production';
import { startTestServer, type TestServer } from './helpers/server';

// Finding 1 (issue 15): someone who signs up with another person's address first must never be able
// to sign in after that person activates. Production mode: the security behaviour is the deployed one.
const ATTACKER = 'attacker chose this passphrase';
const VICTIM = 'victim chose this passphrase';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    ...PRODUCTION_ENV,
  });
});
afterAll(() => server.close());

const signInCode = async (email: string, password: string) =>
  codeOf(await server.gql(SIGN_IN, { email, password })) ?? 'OK';

describe('pre-account takeover', () => {
  it("the victim's link activates the victim's password; the attacker's earlier link is void", async () => {
    const email = uniqueEmail('victim');
    const attackerLink = await signUpAndGetActivationToken(server, email, ATTACKER);
    const victimLink = await signUpAndGetActivationToken(server, email, VICTIM);
    expect(victimLink).not.toBe(attackerLink);

    expect((await server.gql(ACTIVATE, { token: victimLink })).errors).toBeUndefined();
    expect(await signInCode(email, VICTIM)).toBe('OK');
    expect(await signInCode(email, ATTACKER)).toBe('UNAUTHENTICATED');
    // The attacker's link still sits in the victim's inbox: it must not swap the password back.
    expect(codeOf(await server.gql(ACTIVATE, { token: attackerLink }))).toBe('INVALID_TOKEN');
    expect(await signInCode(email, VICTIM)).toBe('OK');
    expect(await signInCode(email, ATTACKER)).toBe('UNAUTHENTICATED');
  });

  it('the reverse order: the first sign-up activates with its own password, the later link is void', async () => {
    const email = uniqueEmail('victim');
    const victimLink = await signUpAndGetActivationToken(server, email, VICTIM);
    const attackerLink = await signUpAndGetActivationToken(server, email, ATTACKER);

    expect((await server.gql(ACTIVATE, { token: victimLink })).errors).toBeUndefined();
    expect(await signInCode(email, VICTIM)).toBe('OK');
    expect(await signInCode(email, ATTACKER)).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(ACTIVATE, { token: attackerLink }))).toBe('INVALID_TOKEN');
    expect(await signInCode(email, ATTACKER)).toBe('UNAUTHENTICATED');
  });

  it('two links used at once: exactly one activates, and only its password signs in', async () => {
    const email = uniqueEmail('race');
    const a = await signUpAndGetActivationToken(server, email, ATTACKER);
    const b = await signUpAndGetActivationToken(server, email, VICTIM);
    const results = await Promise.all([a, b].map((token) => server.gql(ACTIVATE, { token })));
    const won = results.map((r) => r.errors === undefined);
    expect(won.filter(Boolean)).toHaveLength(1);
    const [winner, loser] = won[0] ? [ATTACKER, VICTIM] : [VICTIM, ATTACKER];
    expect(await signInCode(email, winner)).toBe('OK');
    expect(await signInCode(email, loser)).toBe('UNAUTHENTICATED');
  });

  it('a resend mails a link on which the mailbox owner chooses the password, never the sign-up password', async () => {
    const email = uniqueEmail('victim');
    const attackerLink = await signUpAndGetActivationToken(server, email, ATTACKER);
    // Anyone may ask for the resend (here: the attacker); what arrives must not activate A.
    expect((await server.gql(RESEND, { email })).data).toEqual({ resendActivation: true });
    const mail = await server.inbox.waitFor(email, 2);
    expect(() => linkToken(mail, '/activate')).toThrow();
    const choose = linkToken(mail, '/reset-password');
    const set = await server.gql(RESET_PASSWORD, { token: choose, newPassword: VICTIM });
    expect(set.errors).toBeUndefined();
    expect(await signInCode(email, VICTIM)).toBe('OK');
    expect(await signInCode(email, ATTACKER)).toBe('UNAUTHENTICATED');
    // The account has its owner now: the pending sign-up link is void.
    expect(codeOf(await server.gql(ACTIVATE, { token: attackerLink }))).toBe('INVALID_TOKEN');
    expect(await signInCode(email, VICTIM)).toBe('OK');
  });

  it('a password reset of a waiting account voids every pending sign-up link', async () => {
    const email = uniqueEmail('victim');
    const attackerLink = await signUpAndGetActivationToken(server, email, ATTACKER);
    const reset = await requestResetToken(server, email);
    expect(
      (await server.gql(RESET_PASSWORD, { token: reset, newPassword: VICTIM })).errors,
    ).toBeUndefined();
    expect(codeOf(await server.gql(ACTIVATE, { token: attackerLink }))).toBe('INVALID_TOKEN');
    expect(await signInCode(email, VICTIM)).toBe('OK');
    expect(await signInCode(email, ATTACKER)).toBe('UNAUTHENTICATED');
  });
});
