import { linkToken } from './inbox';
import type { TestServer } from './server';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** A fresh address per test, so tests in one file never see each other's mail. */
export const uniqueEmail = (label = 'user') => `${label}-${process.pid}-${++counter}@example.com`;

export const SIGN_UP = `mutation ($email: String!, $password: String!) {
  signUp(input: { email: $email, password: $password })
}`;
export const ACTIVATE = `mutation ($token: String!) {
  activateAccount(token: $token) { id email role isActive createdAt }
}`;
export const SIGN_IN = `mutation ($email: String!, $password: String!) {
  signIn(input: { email: $email, password: $password }) {
    accessToken refreshToken expiresIn user { id email role isActive }
  }
}`;
export const REFRESH = `mutation ($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { accessToken refreshToken expiresIn user { id email } }
}`;
export const RESEND = `mutation ($email: String!) { resendActivation(email: $email) }`;
export const ME = `{ me { id email role isActive createdAt } }`;

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; role: string; isActive: boolean };
}

/** Signs up and returns the activation token from the mail that arrives. */
export async function signUpAndGetActivationToken(
  server: TestServer,
  email: string,
  password = PASSWORD,
) {
  const before = server.inbox.for(email).length;
  const res = await server.gql(SIGN_UP, { email, password });
  expect(res.errors).toBeUndefined();
  const mail = await server.inbox.waitFor(email, before + 1);
  return linkToken(mail, '/activate');
}

export async function createActiveUser(
  server: TestServer,
  email = uniqueEmail(),
  password = PASSWORD,
) {
  const token = await signUpAndGetActivationToken(server, email, password);
  const res = await server.gql(ACTIVATE, { token });
  expect(res.errors).toBeUndefined();
  return { email, password, id: (res.data as any).activateAccount.id as string };
}

export async function signIn(
  server: TestServer,
  email: string,
  password = PASSWORD,
): Promise<Tokens> {
  const res = await server.gql<{ signIn: Tokens }>(SIGN_IN, { email, password });
  expect(res.errors).toBeUndefined();
  return res.data!.signIn;
}

export const codeOf = (res: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  res.errors?.[0]?.extensions?.code;

export const SIGN_OUT = `mutation { signOut }`;
export const SIGN_OUT_EVERYWHERE = `mutation { signOutEverywhere }`;
export const SESSIONS = `{ sessions { id createdAt lastUsedAt userAgent ip current } }`;
export const REVOKE_SESSION = `mutation ($id: ID!) { revokeSession(id: $id) }`;
export const REQUEST_RESET = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;
export const RESET_PASSWORD = `mutation ($token: String!, $newPassword: String!) {
  resetPassword(token: $token, newPassword: $newPassword)
}`;
export const CHANGE_PASSWORD = `mutation ($currentPassword: String!, $newPassword: String!) {
  changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
}`;
export const DELETE_ACCOUNT = `mutation ($password: String!) { deleteAccount(password: $password) }`;
export const USERS = `query ($limit: Int, $offset: Int) { users(limit: $limit, offset: $offset) { id email role } }`;

/** Asks for a reset link and returns the token from the mail that arrives. */
export async function requestResetToken(server: TestServer, email: string): Promise<string> {
  const before = server.inbox.for(email).length;
  const res = await server.gql(REQUEST_RESET, { email });
  // The error first: a failure then says why (its code and message), not only "null".
  expect(res.errors).toBeUndefined();
  expect(res.data).toEqual({ requestPasswordReset: true });
  return linkToken(await server.inbox.waitFor(email, before + 1), '/reset-password');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
