import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { KeyLabel, ServerSecrets } from '../src/tokens/secrets';
import {
  ACTIVATE,
  codeOf,
  createActiveUser,
  ME,
  REFRESH,
  REQUEST_RESET,
  RESET_PASSWORD,
  signIn,
  signUpAndGetActivationToken,
  sleep,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import { linkToken } from './helpers/inbox';
import { createDatabase, startTestServer } from './helpers/server';

const SECRET_A = 'rotation-test-secret-A-0123456789abcdefghijklmnop';
const SECRET_B = 'rotation-test-secret-B-0123456789abcdefghijklmnop';

// Finding 12: rotating JWT_SECRET with JWT_PREVIOUS_SECRETS keeps what the old secret made working.
describe('JWT_SECRET rotation with JWT_PREVIOUS_SECRETS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'authql-rotation-'));
  let database: Awaited<ReturnType<typeof createDatabase>>;
  beforeAll(async () => {
    database = await createDatabase(dir);
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('honours access tokens, refresh tokens, links and queued mail made with the old secret', async () => {
    // Secret A: a signed-in user, a pending activation link, and a reset mail still in the outbox.
    // A short backoff: the reset mail A fails to send (its inbox is closed) is due again when B starts.
    const a = await startTestServer({
      JWT_SECRET: SECRET_A,
      DATABASE_URL: database.url,
      MAIL_RETRY_BACKOFF: '100ms',
      MAIL_SEND_TIMEOUT: '1s',
    });
    const resetUser = await createActiveUser(a);
    const tokens = await signIn(a, resetUser.email);
    const other = await createActiveUser(a);
    const otherTokens = await signIn(a, other.email);
    const pendingEmail = uniqueEmail('pending');
    const pendingLink = await signUpAndGetActivationToken(a, pendingEmail);
    await a.inbox.close();
    expect((await a.gql(REQUEST_RESET, { email: resetUser.email })).errors).toBeUndefined();
    await sleep(500);
    await a.app.close();

    // Secret B, A retired: everything A made still works; what is new is made with B.
    const b = await startTestServer({
      JWT_SECRET: SECRET_B,
      JWT_PREVIOUS_SECRETS: SECRET_A,
      DATABASE_URL: database.url,
      MAIL_RETRY_BACKOFF: '100ms',
    });
    try {
      expect((await b.gql(ME, {}, { token: tokens.accessToken })).errors).toBeUndefined();
      const refreshed = await b.gql<{ refreshToken: Tokens }>(REFRESH, {
        refreshToken: tokens.refreshToken,
      });
      expect(refreshed.errors).toBeUndefined();
      const fresh = refreshed.data!.refreshToken.accessToken;
      const keyB = new ServerSecrets(SECRET_B, []).key(KeyLabel.ACCESS_TOKEN);
      expect(() => jwt.verify(fresh, keyB, { algorithms: ['HS256'] })).not.toThrow();
      // The reset mail sealed with A's outbox key is delivered, and its A-signed link works.
      const mail = await b.inbox.waitFor(resetUser.email, 1, 15_000);
      const reset = await b.gql(RESET_PASSWORD, {
        token: linkToken(mail, '/reset-password'),
        newPassword: 'a brand new passphrase 42',
      });
      expect(reset.errors).toBeUndefined();
    } finally {
      await b.app.close();
      await b.inbox.close();
    }

    // Secret B alone: what A made is refused.
    const c = await startTestServer({ JWT_SECRET: SECRET_B, DATABASE_URL: database.url });
    try {
      expect(codeOf(await c.gql(ME, {}, { token: otherTokens.accessToken }))).toBe(
        'UNAUTHENTICATED',
      );
      expect(codeOf(await c.gql(ACTIVATE, { token: pendingLink }))).toBe('INVALID_TOKEN');
    } finally {
      await c.app.close();
      await c.inbox.close();
    }
  });
});
