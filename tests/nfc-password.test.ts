import {
  ACTIVATE,
  CHANGE_PASSWORD,
  codeOf,
  createActiveUser,
  DELETE_ACCOUNT,
  requestResetToken,
  RESET_PASSWORD,
  SIGN_IN,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { PRODUCTION_ENV } from './helpers/production';
import { startTestServer, type TestServer } from './helpers/server';

// Finding 9 (issue 15): the same visible passphrase typed on any device works: passwords are
// NFC-normalised before every length check, hash and compare.
const NFC = 'crème brûlée à la française'.normalize('NFC');
const NFD = NFC.normalize('NFD');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    ...PRODUCTION_ENV,
  });
});
afterAll(() => server.close());

it('the two forms differ as strings (the test would prove nothing otherwise)', () => {
  expect(NFD).not.toBe(NFC);
  expect(Buffer.byteLength(NFD)).toBeGreaterThan(Buffer.byteLength(NFC));
});

it('signs up with the NFC form and signs in with the NFD form, and back', async () => {
  const user = await createActiveUser(server, uniqueEmail(), NFC);
  await signIn(server, user.email, NFD);
  const other = await createActiveUser(server, uniqueEmail(), NFD);
  await signIn(server, other.email, NFC);
});

it('checks the length on the NFC form: 30 × "é" is 60 bytes, though 90 as NFD', async () => {
  const nfc = 'é'.repeat(30).normalize('NFC');
  const nfd = nfc.normalize('NFD');
  expect(Buffer.byteLength(nfd)).toBeGreaterThan(72);
  const email = uniqueEmail();
  const token = await signUpAndGetActivationToken(server, email, nfd);
  expect((await server.gql(ACTIVATE, { token })).errors).toBeUndefined();
  await signIn(server, email, nfc);
});

it('changePassword and deleteAccount confirm the password in either form; reset stores NFC', async () => {
  const user = await createActiveUser(server, uniqueEmail(), NFC);
  const { accessToken } = await signIn(server, user.email, NFC);
  const next = 'ça déménage, œuvre complète'.normalize('NFD');
  const changed = await server.gql(
    CHANGE_PASSWORD,
    { currentPassword: NFD, newPassword: next },
    { token: accessToken },
  );
  expect(changed.errors).toBeUndefined();
  await signIn(server, user.email, next.normalize('NFC'));
  // The new password in its other form is the same password: refused as unchanged.
  const same = await server.gql(
    CHANGE_PASSWORD,
    { currentPassword: next, newPassword: next.normalize('NFC') },
    { token: accessToken },
  );
  expect(codeOf(same)).toBe('BAD_USER_INPUT');

  const reset = await requestResetToken(server, user.email);
  expect(
    (await server.gql(RESET_PASSWORD, { token: reset, newPassword: NFD })).errors,
  ).toBeUndefined();
  const fresh = await signIn(server, user.email, NFC);
  expect(codeOf(await server.gql(SIGN_IN, { email: user.email, password: next }))).toBe(
    'UNAUTHENTICATED',
  );
  const deleted = await server.gql(DELETE_ACCOUNT, { password: NFD }, { token: fresh.accessToken });
  expect(deleted.errors).toBeUndefined();
});
