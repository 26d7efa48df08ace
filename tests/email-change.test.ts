import jwt from 'jsonwebtoken';
import { Session } from '../src/sessions/session.entity';
import { OneTimeToken, TokenPurpose } from '../src/tokens/one-time-token.entity';
import { User } from '../src/users/user.entity';
import {
  CHANGE_PASSWORD,
  codeOf,
  REFRESH,
  createActiveUser,
  PASSWORD,
  RESET_PASSWORD,
  SESSIONS,
  SIGN_IN,
  signIn,
  uniqueEmail,
} from './helpers/flows';
import { linkToken, type ReceivedMail } from './helpers/inbox';
import { mailCode } from './helpers/mfa';
import { startTestServer, type TestServer } from './helpers/server';
import { WebhookReceiver } from './helpers/webhook-receiver';

// Changing the account's address: the new mailbox confirms (link or code), the old one is told twice,
// other sessions end; nothing tells the asker whether the new address already has an account.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const REQUEST = `mutation ($newEmail: String!, $password: String) {
  requestEmailChange(newEmail: $newEmail, password: $password)
}`;
const CONFIRM = `mutation ($token: String!) { confirmEmailChange(token: $token) { id email emailVerified } }`;
const CONFIRM_CODE = `mutation ($code: String!) {
  confirmEmailChangeWithCode(code: $code) { id email emailVerified }
}`;
const ME = `{ me { id email emailVerified } }`;
const EVENTS = `{ securityEvents { type } }`;

let receiver: WebhookReceiver;
let server: TestServer;
beforeAll(async () => {
  receiver = await new WebhookReceiver(SECRET).start();
  server = await startTestServer(
    { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET },
    { ownAppUrl: true },
  );
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

/** An active user with two sessions: `tokens` asks for the change, `other` is signed in elsewhere. */
async function userWithTwoSessions(label: string) {
  const user = await createActiveUser(server, uniqueEmail(label));
  const tokens = await signIn(server, user.email);
  const other = await signIn(server, user.email);
  return { ...user, token: tokens.accessToken, other: other.accessToken };
}

/** Asks for the change and returns the mail the new address receives (and the old one's notice). */
async function requestChange(
  s: TestServer,
  token: string,
  oldEmail: string,
  newEmail: string,
): Promise<{ confirm: ReceivedMail; notice: ReceivedMail }> {
  const oldBefore = s.inbox.for(oldEmail).length;
  const newBefore = s.inbox.for(newEmail).length;
  const res = await s.gql(REQUEST, { newEmail, password: PASSWORD }, { token });
  expect(res.errors).toBeUndefined();
  expect(res.data).toEqual({ requestEmailChange: true });
  return {
    confirm: await s.inbox.waitFor(newEmail, newBefore + 1),
    notice: await s.inbox.waitFor(oldEmail, oldBefore + 1),
  };
}

async function me(token: string, s = server) {
  const res = await s.gql(ME, {}, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.me as { id: string; email: string; emailVerified: boolean };
}

describe('requestEmailChange', () => {
  it('mails the new address a link and a code, and the old one a notice naming the new one; nothing changes yet', async () => {
    const user = await userWithTwoSessions('ask');
    const newEmail = uniqueEmail('new');
    const { confirm, notice } = await requestChange(server, user.token, user.email, newEmail);
    expect(confirm.subject).toBe('Confirm your new email address');
    expect(confirm.text).toContain(`${server.config.appUrl}/confirm-email?token=`);
    expect(mailCode(confirm)).toMatch(/^\d{6}$/);
    expect(confirm.subject).not.toMatch(/\d{6}/);
    expect(notice.subject).toBe('A change of your email address was requested');
    expect(notice.text).toContain(newEmail);
    expect(notice.text).toMatch(/password reset/);
    expect(await me(user.token)).toMatchObject({ email: user.email });
  });

  it('answers true for a taken address too: its owner is told, the old address gets the same notice, nothing changes', async () => {
    const user = await userWithTwoSessions('taken');
    const owner = await createActiveUser(server, uniqueEmail('owner'));
    const ownerBefore = server.inbox.for(owner.email).length;
    const { confirm, notice } = await requestChange(server, user.token, user.email, owner.email);
    expect(confirm.subject).toBe('Someone tried to move an account to your address');
    expect(confirm.text).not.toContain('token=');
    expect(confirm.text).not.toMatch(/\b\d{6}\b/);
    expect(server.inbox.for(owner.email)).toHaveLength(ownerBefore + 1);
    expect(notice.subject).toBe('A change of your email address was requested');
    expect(await me(user.token)).toMatchObject({ email: user.email });
    expect(await me((await signIn(server, owner.email)).accessToken)).toMatchObject({
      email: owner.email,
    });
  });

  it('needs the password of an account that has one (its failure budget), and a valid new address', async () => {
    const user = await userWithTwoSessions('password');
    const newEmail = uniqueEmail('new-pw');
    const missing = await server.gql(REQUEST, { newEmail }, { token: user.token });
    expect(codeOf(missing)).toBe('BAD_USER_INPUT');
    const wrong = await server.gql(
      REQUEST,
      { newEmail, password: 'not the password' },
      { token: user.token },
    );
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    for (const bad of ['not an address', user.email, user.email.toUpperCase()]) {
      const res = await server.gql(
        REQUEST,
        { newEmail: bad, password: PASSWORD },
        { token: user.token },
      );
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
    expect(codeOf(await server.gql(REQUEST, { newEmail, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(server.inbox.for(newEmail)).toHaveLength(0);
  });
});

describe('an account without a password', () => {
  it('needs a sign-in of the last 10 minutes instead of the password', async () => {
    const user = await createActiveUser(server, uniqueEmail('nopass'));
    const tokens = await signIn(server, user.email);
    await server.app.orm.em.fork().nativeUpdate(User, { id: user.id }, { passwordHash: null });
    const newEmail = uniqueEmail('nopass-new');
    expect((await server.gql(REQUEST, { newEmail }, { token: tokens.accessToken })).errors).toBe(
      undefined,
    );
    await server.inbox.waitFor(newEmail, 1);

    const sid = (jwt.decode(tokens.accessToken) as jwt.JwtPayload).sid as string;
    await server.app.orm.em
      .fork()
      .nativeUpdate(Session, { id: sid }, { authTime: new Date(Date.now() - 11 * 60_000) });
    const stale = (await server.gql(REFRESH, { refreshToken: tokens.refreshToken })).data!
      .refreshToken.accessToken as string;
    const refused = await server.gql(REQUEST, { newEmail }, { token: stale });
    expect(codeOf(refused)).toBe('REAUTHENTICATION_REQUIRED');
    expect(server.inbox.for(newEmail)).toHaveLength(1);
  });
});

describe('confirming', () => {
  it('by link: the address changes and is verified, other sessions end, the old address is told again, an event and a webhook', async () => {
    const user = await userWithTwoSessions('link');
    const newEmail = uniqueEmail('linked');
    const { confirm } = await requestChange(server, user.token, user.email, newEmail);
    const oldBefore = server.inbox.for(user.email).length;

    const res = await server.gql(CONFIRM, { token: linkToken(confirm, '/confirm-email') });
    expect(res.errors).toBeUndefined();
    expect(res.data!.confirmEmailChange).toEqual({
      id: user.id,
      email: newEmail,
      emailVerified: true,
    });
    // The asking session stays (and `me` shows the new address at once); the other one ended.
    expect(await me(user.token)).toEqual({ id: user.id, email: newEmail, emailVerified: true });
    expect(codeOf(await server.gql(ME, {}, { token: user.other }))).toBe('UNAUTHENTICATED');
    expect((await server.gql(SESSIONS, {}, { token: user.token })).data!.sessions).toHaveLength(1);

    const second = await server.inbox.waitFor(user.email, oldBefore + 1);
    expect(second.subject).toBe('Your email address was changed');
    expect(second.text).toContain(newEmail);
    const events = await server.gql(EVENTS, {}, { token: user.token });
    expect(events.data!.securityEvents).toContainEqual({ type: 'email_changed' });
    const [hook] = await receiver.waitFor(
      (d) => d.body.type === 'user.email_changed' && d.body.data.id === user.id,
    );
    expect(hook!.verified).toBe(true);
    expect(hook!.body.data).toMatchObject({ email: newEmail, previousEmail: user.email });

    // Sign-in follows the address.
    expect(
      (await server.gql(SIGN_IN, { email: newEmail, password: PASSWORD })).errors,
    ).toBeUndefined();
    expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: PASSWORD }))).toBe(
      'UNAUTHENTICATED',
    );
    // A link works once.
    const again = await server.gql(CONFIRM, { token: linkToken(confirm, '/confirm-email') });
    expect(codeOf(again)).toBe('INVALID_TOKEN');
  });

  it('by the code of the same mail, for the signed-in user; a wrong code changes nothing', async () => {
    const user = await userWithTwoSessions('code');
    const newEmail = uniqueEmail('coded');
    const { confirm } = await requestChange(server, user.token, user.email, newEmail);
    const code = mailCode(confirm);
    const wrongCode = code === '000000' ? '111111' : '000000';
    expect(codeOf(await server.gql(CONFIRM_CODE, { code: wrongCode }, { token: user.token }))).toBe(
      'INVALID_TOKEN',
    );
    expect(codeOf(await server.gql(CONFIRM_CODE, { code }))).toBe('UNAUTHENTICATED');
    // Another user cannot use it.
    const stranger = await createActiveUser(server, uniqueEmail('stranger'));
    const strangerToken = (await signIn(server, stranger.email)).accessToken;
    expect(codeOf(await server.gql(CONFIRM_CODE, { code }, { token: strangerToken }))).toBe(
      'INVALID_TOKEN',
    );
    expect(await me(user.token)).toMatchObject({ email: user.email });

    const res = await server.gql(CONFIRM_CODE, { code }, { token: user.token });
    expect(res.errors).toBeUndefined();
    expect(res.data!.confirmEmailChangeWithCode).toMatchObject({ email: newEmail });
    expect(codeOf(await server.gql(ME, {}, { token: user.other }))).toBe('UNAUTHENTICATED');
    // The code spent the link too.
    expect(codeOf(await server.gql(CONFIRM, { token: linkToken(confirm, '/confirm-email') }))).toBe(
      'INVALID_TOKEN',
    );
  });

  it('dies when the password changes, when another change is asked, and when it expires', async () => {
    const user = await userWithTwoSessions('dies');
    const first = await requestChange(server, user.token, user.email, uniqueEmail('first'));
    const secondEmail = uniqueEmail('second');
    const second = await requestChange(server, user.token, user.email, secondEmail);
    expect(
      codeOf(await server.gql(CONFIRM, { token: linkToken(first.confirm, '/confirm-email') })),
    ).toBe('INVALID_TOKEN');

    const changed = await server.gql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: 'another correct horse battery' },
      { token: user.token },
    );
    expect(changed.errors).toBeUndefined();
    expect(
      codeOf(await server.gql(CONFIRM, { token: linkToken(second.confirm, '/confirm-email') })),
    ).toBe('INVALID_TOKEN');
    expect(await me(user.token)).toMatchObject({ email: user.email });

    const later = await server.gql(
      REQUEST,
      { newEmail: secondEmail, password: 'another correct horse battery' },
      { token: user.token },
    );
    expect(later.errors).toBeUndefined();
    const mail = await server.inbox.waitFor(secondEmail, 2);
    await server.app.orm.em
      .fork()
      .nativeUpdate(
        OneTimeToken,
        { user: user.id, purpose: TokenPurpose.EMAIL_CHANGE, usedAt: null },
        { expiresAt: new Date(Date.now() - 1000) },
      );
    expect(codeOf(await server.gql(CONFIRM, { token: linkToken(mail, '/confirm-email') }))).toBe(
      'TOKEN_EXPIRED',
    );
  });

  it('reclaims an account whose address was never proven: what an unproven holder added goes', async () => {
    const user = await userWithTwoSessions('unproven');
    await server.app.orm.em.fork().nativeUpdate(User, { id: user.id }, { emailProof: null });
    const newEmail = uniqueEmail('reclaimed');
    const { confirm } = await requestChange(server, user.token, user.email, newEmail);
    const res = await server.gql(CONFIRM, { token: linkToken(confirm, '/confirm-email') });
    expect(res.data!.confirmEmailChange).toMatchObject({ email: newEmail, emailVerified: true });
    // Every session went, the asking one too, and the new address is told what was removed.
    expect(codeOf(await server.gql(ME, {}, { token: user.token }))).toBe('UNAUTHENTICATED');
    const told = await server.inbox.waitFor(newEmail, 2);
    expect(told.text).toContain('2 signed-in sessions');
  });

  it('is a token of its own kind: an email-change link is no reset token', async () => {
    const user = await userWithTwoSessions('kind');
    const { confirm } = await requestChange(server, user.token, user.email, uniqueEmail('kind'));
    const token = linkToken(confirm, '/confirm-email');
    const res = await server.gql(RESET_PASSWORD, { token, newPassword: 'a brand new passphrase' });
    expect(codeOf(res)).toBe('INVALID_TOKEN');
  });
});

describe('the /confirm-email page', () => {
  const post = (fields: Record<string, string>, cookie?: string) =>
    fetch(`${server.origin}/confirm-email`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.origin,
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });

  it('shows a button (GET changes nothing) and confirms on its form post, which needs the CSRF token', async () => {
    const user = await userWithTwoSessions('page');
    const newEmail = uniqueEmail('paged');
    const { confirm } = await requestChange(server, user.token, user.email, newEmail);
    const link = /https?:\/\/\S+\/confirm-email\?token=\S+/.exec(confirm.text)![0];
    expect(link.startsWith(`${server.origin}/confirm-email?token=`)).toBe(true);

    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    const html = await opened.text();
    expect(html).toMatch(/<form method="post" action="\/confirm-email">/);
    expect(html).toContain('Confirm the change');
    // Opening the link (as a mail scanner does) changed nothing.
    expect(await me(user.token)).toMatchObject({ email: user.email });

    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const token = linkToken(confirm, '/confirm-email');
    expect((await post({ token, csrf: 'forged' }, cookie)).status).toBe(403);
    expect((await post({ token, csrf })).status).toBe(403);
    expect(await me(user.token)).toMatchObject({ email: user.email });

    const done = await post({ token, csrf }, cookie);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(newEmail);
    expect(await me(user.token)).toMatchObject({ email: newEmail });
    const reused = await post({ token, csrf }, cookie);
    expect(reused.status).toBe(400);
  });
});

describe('EMAIL_CHANGE_CONFIRM_BOTH=true', () => {
  let both: TestServer;
  beforeAll(async () => {
    both = await startTestServer({ EMAIL_CHANGE_CONFIRM_BOTH: 'true' });
  });
  afterAll(() => both?.close());

  it('changes the address only once the old address confirms too (its own link, sent after the new one confirmed)', async () => {
    const user = await createActiveUser(both, uniqueEmail('both'));
    const token = (await signIn(both, user.email)).accessToken;
    const newEmail = uniqueEmail('both-new');
    const { confirm } = await requestChange(both, token, user.email, newEmail);
    const oldBefore = both.inbox.for(user.email).length;

    const first = await both.gql(CONFIRM, { token: linkToken(confirm, '/confirm-email') });
    expect(first.errors).toBeUndefined();
    expect(first.data!.confirmEmailChange).toMatchObject({ email: user.email });
    expect(await me(token, both)).toMatchObject({ email: user.email });

    const ask = await both.inbox.waitFor(user.email, oldBefore + 1);
    expect(ask.subject).toBe('Confirm the change of your email address');
    expect(ask.text).toContain(newEmail);
    const oldToken = linkToken(ask, '/confirm-email');
    const second = await both.gql(CONFIRM, { token: oldToken });
    expect(second.errors).toBeUndefined();
    expect(second.data!.confirmEmailChange).toEqual({
      id: user.id,
      email: newEmail,
      emailVerified: true,
    });
    expect(await me(token, both)).toMatchObject({ email: newEmail });
    expect(codeOf(await both.gql(CONFIRM, { token: oldToken }))).toBe('INVALID_TOKEN');
  });

  it("a password change between the two confirmations kills the old address's link", async () => {
    const user = await createActiveUser(both, uniqueEmail('both-pw'));
    const token = (await signIn(both, user.email)).accessToken;
    const { confirm } = await requestChange(both, token, user.email, uniqueEmail('both-pw-new'));
    const oldBefore = both.inbox.for(user.email).length;
    expect(
      (await both.gql(CONFIRM, { token: linkToken(confirm, '/confirm-email') })).errors,
    ).toBeUndefined();
    const ask = await both.inbox.waitFor(user.email, oldBefore + 1);
    const changed = await both.gql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: 'another correct horse battery' },
      { token },
    );
    expect(changed.errors).toBeUndefined();
    expect(codeOf(await both.gql(CONFIRM, { token: linkToken(ask, '/confirm-email') }))).toBe(
      'INVALID_TOKEN',
    );
    expect(await me(token, both)).toMatchObject({ email: user.email });
  });
});
