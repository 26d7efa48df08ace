// `@authql/client/apollo`: the Apollo Client link, in an entry of its own so that apps without
// Apollo never load @apollo/client.
import { ApolloLink } from '@apollo/client';
import { Observable, type Subscription } from 'rxjs';
import {
  createAuthqlClient as createClient,
  type AuthqlClient,
  type AuthqlClientOptions,
} from './index';

/**
 * An ApolloLink that sends the access token (refreshed when due) and, when the server answers
 * UNAUTHENTICATED, refreshes once (one refresh for all concurrent operations) and retries.
 */
export function authqlLink(auth: Pick<AuthqlClient, 'accessToken'>): ApolloLink {
  return new ApolloLink(
    (operation, forward) =>
      new Observable<ApolloLink.Result>((observer) => {
        let current: Subscription | undefined;
        let closed = false;
        const attempt = (token: string | null, retried: boolean) => {
          operation.setContext((previous: { headers?: Record<string, string> }) => ({
            headers: {
              ...previous.headers,
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
          }));
          let retrying = false;
          current = forward(operation).subscribe({
            next(result) {
              const refused = result.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
              if (!refused || !token || retried) return observer.next(result);
              retrying = true;
              auth
                .accessToken({ rejected: token })
                .then((next) => {
                  if (closed) return;
                  // Still good (the refusal was about something else, a password) or signed out.
                  if (next === token || next === null) {
                    observer.next(result);
                    observer.complete();
                  } else attempt(next, true);
                })
                .catch((err: unknown) => observer.error(err));
            },
            error: (err: unknown) => observer.error(err),
            complete: () => {
              if (!retrying) observer.complete();
            },
          });
        };
        auth
          .accessToken()
          .then((token) => {
            if (!closed) attempt(token, false);
          })
          .catch((err: unknown) => observer.error(err));
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      }),
  );
}

export type AuthqlApolloClient = AuthqlClient & { apolloLink(): ApolloLink };

/** createAuthqlClient with `apolloLink()`: put it before your HttpLink (ApolloLink.from([auth.apolloLink(), http])). */
export function createAuthqlClient(options: AuthqlClientOptions): AuthqlApolloClient {
  const auth = createClient(options);
  return Object.assign(auth, { apolloLink: () => authqlLink(auth) });
}

export * from './index';
