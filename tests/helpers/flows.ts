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
