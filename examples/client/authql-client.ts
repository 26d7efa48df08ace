import { ClientError, GraphQLClient } from 'graphql-request';

/**
 * A small authql client for Node, web or React Native: sign-up, activation, sign-in, and calls that
 * refresh the access token by themselves (before it expires, and once more on UNAUTHENTICATED).
 */

export interface User {
  id: string;
  email: string;
  role: string;
  isActive: boolean;
}

export interface Session {
  accessToken: string;
  /** Rotates on every refresh: always keep the newest one (Keychain / Keystore on mobile). */
  refreshToken: string;
  /** Local clock, milliseconds: when the access token stops working. */
  accessExpiresAt: number;
}

/** Where the session lives between runs; on mobile back it with Keychain (iOS) or Keystore (Android). */
export interface SessionStore {
  load(): Promise<Session | null>;
  save(session: Session): Promise<void>;
  clear(): Promise<void>;
}

export class MemorySessionStore implements SessionStore {
  private session: Session | null = null;
  async load() {
    return this.session;
  }
  async save(session: Session) {
    this.session = session;
  }
  async clear() {
    this.session = null;
  }
}

export type ClientEvent =
  | { type: 'refreshed'; reason: 'expiring' | 'unauthenticated' }
  | { type: 'signed-out'; reason: 'request' | 'session-ended' };

export interface AuthqlClientOptions {
  store?: SessionStore;
  /** Refresh this many seconds before expiry (default 30); 0 relies on UNAUTHENTICATED alone. */
  refreshMarginSec?: number;
  onEvent?: (event: ClientEvent) => void;
}

/** Thrown when the session cannot be refreshed any more (signed out elsewhere, revoked, expired). */
export class SignInRequiredError extends Error {
  constructor(readonly code: string) {
    super(`Sign in again (${code}).`);
    this.name = 'SignInRequiredError';
  }
}

const USER_FIELDS = 'id email role isActive';
const PAYLOAD_FIELDS = `accessToken refreshToken expiresIn user { ${USER_FIELDS} }`;

interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}

/** The `extensions.code` of the first GraphQL error, if the failure is one. */
export function errorCode(err: unknown): string | undefined {
  if (!(err instanceof ClientError)) return undefined;
  const code = err.response.errors?.[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

export class AuthqlClient {
  private readonly gql: GraphQLClient;
  private readonly store: SessionStore;
  private readonly marginMs: number;
  // One refresh at a time: two parallel refreshes with one token would look like token theft.
  private refreshing: Promise<Session> | null = null;

  constructor(
    url: string,
    private readonly options: AuthqlClientOptions = {},
  ) {
    this.gql = new GraphQLClient(url);
    this.store = options.store ?? new MemorySessionStore();
    this.marginMs = (options.refreshMarginSec ?? 30) * 1000;
  }

  async signUp(email: string, password: string): Promise<boolean> {
    const data = await this.gql.request<{ signUp: boolean }>(
      'mutation ($email: String!, $password: String!) { signUp(input: { email: $email, password: $password }) }',
      { email, password },
    );
    return data.signUp;
  }

  async activate(token: string): Promise<User> {
    const data = await this.gql.request<{ activateAccount: User }>(
      `mutation ($token: String!) { activateAccount(token: $token) { ${USER_FIELDS} } }`,
      { token },
    );
    return data.activateAccount;
  }

  async signIn(email: string, password: string): Promise<User> {
    const data = await this.gql.request<{ signIn: AuthPayload }>(
      `mutation ($email: String!, $password: String!) { signIn(input: { email: $email, password: $password }) { ${PAYLOAD_FIELDS} } }`,
      { email, password },
    );
    await this.keep(data.signIn);
    return data.signIn.user;
  }

  /** The stored session, if any (e.g. to decide whether to show the sign-in screen). */
  session(): Promise<Session | null> {
    return this.store.load();
  }

  me(): Promise<User> {
    return this.request<{ me: User }>(`{ me { ${USER_FIELDS} } }`).then((d) => d.me);
  }

  /**
   * Ends this session on the server when the schema has `signOut`, and forgets the tokens either way.
   * Answers whether the server was told.
   */
  async signOut(): Promise<'signed-out' | 'not-supported'> {
    let outcome: 'signed-out' | 'not-supported' = 'signed-out';
    try {
      await this.request<{ signOut: boolean }>('mutation { signOut }');
    } catch (err) {
      // An older server without signOut: the session then simply ends at REFRESH_TOKEN_TTL.
      if (errorCode(err) !== 'GRAPHQL_VALIDATION_FAILED') throw err;
      outcome = 'not-supported';
    }
    await this.store.clear();
    this.options.onEvent?.({ type: 'signed-out', reason: 'request' });
    return outcome;
  }

  /** Runs an operation with the access token, refreshing it first or once after UNAUTHENTICATED. */
  async request<T>(document: string, variables?: Record<string, unknown>): Promise<T> {
    let session = await this.store.load();
    if (!session) throw new SignInRequiredError('NO_SESSION');
    if (Date.now() >= session.accessExpiresAt - this.marginMs)
      session = await this.refresh('expiring');
    try {
      return await this.send<T>(document, variables, session.accessToken);
    } catch (err) {
      if (errorCode(err) !== 'UNAUTHENTICATED') throw err;
      session = await this.refresh('unauthenticated');
      return this.send<T>(document, variables, session.accessToken);
    }
  }

  /** Spends the refresh token for a new pair; concurrent callers share one refresh. */
  refresh(reason: 'expiring' | 'unauthenticated' = 'expiring'): Promise<Session> {
    this.refreshing ??= this.doRefresh(reason).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(reason: 'expiring' | 'unauthenticated'): Promise<Session> {
    const current = await this.store.load();
    if (!current) throw new SignInRequiredError('NO_SESSION');
    try {
      const data = await this.gql.request<{ refreshToken: AuthPayload }>(
        `mutation ($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${PAYLOAD_FIELDS} } }`,
        { refreshToken: current.refreshToken },
      );
      const session = await this.keep(data.refreshToken);
      this.options.onEvent?.({ type: 'refreshed', reason });
      return session;
    } catch (err) {
      const code = errorCode(err);
      if (code !== 'INVALID_TOKEN' && code !== 'TOKEN_EXPIRED') throw err; // network: keep the tokens, retry later
      await this.store.clear();
      this.options.onEvent?.({ type: 'signed-out', reason: 'session-ended' });
      throw new SignInRequiredError(code);
    }
  }

  private send<T>(document: string, variables: Record<string, unknown> | undefined, token: string) {
    return this.gql.request<T>({
      document,
      variables,
      requestHeaders: { authorization: `Bearer ${token}` },
    });
  }

  private async keep(payload: AuthPayload): Promise<Session> {
    const session = {
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken,
      accessExpiresAt: Date.now() + payload.expiresIn * 1000,
    };
    await this.store.save(session);
    return session;
  }
}
