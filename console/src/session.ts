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

/**
 * A submit: clears `error` and disables `busy` while `run` goes; on a failure shows why, enables
 * `busy` again and calls `failed` (to select the field, say). What success shows is `run`'s.
 */
export function attempt(
  error: Element,
  busy: HTMLButtonElement,
  run: () => Promise<unknown>,
  failed?: () => void,
): void {
  error.textContent = '';
  busy.disabled = true;
  run().catch((err: unknown) => {
    error.textContent = messageOf(err);
    busy.disabled = false;
    failed?.();
  });
}

export type { SignInResult };
export { isAuthqlError };
