import {
  createAuthqlClient,
  isAuthqlError,
  localStorageAdapter,
  type AuthqlClient,
  type SignInResult,
} from '../../client/src/index';

/** The console's own session, apart from any app on the same origin, shared by its tabs. */
export const auth: AuthqlClient = createAuthqlClient({
  url: new URL('/graphql', location.href).toString(),
  storage: localStorageAdapter('authql-admin-console'),
});

/** What to show the operator for a failure: the server's message, or why nothing came back. */
export function messageOf(err: unknown): string {
  if (isAuthqlError(err, 'NETWORK_ERROR')) return 'The server could not be reached. Try again.';
  if (isAuthqlError(err, 'TOO_MANY_REQUESTS'))
    return `Too many attempts: try again in ${err.retryAfter ?? 60} seconds.`;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

export type { SignInResult };
export { isAuthqlError };
