import { AuthqlError, isAuthqlError } from './errors';
import {
  CompleteSignInDocument,
  ExchangeOAuthCodeDocument,
  FinishPasskeySignInDocument,
  MeDocument,
  ReauthenticateDocument,
  RefreshTokenDocument,
  RequestSignInCodeDocument,
  SignInDocument,
  SignInWithCodeDocument,
  SignInWithIdTokenDocument,
  SignOutDocument,
  SignUpDocument,
  type AuthqlSessionFragment,
  type SignInInput,
  type SignUpInput,
} from './generated/graphql';
import { createPasskeys, type Passkeys } from './passkeys';
import { memoryStorage, type TokenStorage } from './storage';
import { post, textOf, type Document, type FetchLike } from './transport';
import type { AuthqlUser, SignInResult } from './types';

export type { AuthqlUser, SignInResult };

export interface AuthqlClientOptions {
  /** The GraphQL endpoint, e.g. https://auth.example.com/graphql. */
  url: string;
  /** Where the session lives; default memoryStorage(). Browsers: localStorageAdapter(). */
  storage?: TokenStorage;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  /** Refresh this many seconds before the access token expires (at most a fifth of its lifetime); default 30. */
  refreshMarginSec?: number;
}

/** What the storage holds (JSON). */
interface StoredSession {
  v: 1;
  accessToken: string;
  refreshToken: string;
  /** Local clock, ms: refresh from then on, before the token expires. */
  refreshAt: number;
  user: AuthqlUser;
}

/** Refresh answers that mean the session is over: sign in again. */
const SESSION_LOST = new Set([
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'ACCOUNT_DISABLED',
  'UNAUTHENTICATED',
]);

export interface AuthqlClient {
  /** Always true: an activation link is mailed (or, for a taken address, a notice). */
  signUp(input: SignUpInput): Promise<boolean>;
  signIn(input: SignInInput): Promise<SignInResult>;
  /** Finishes an mfa-required sign-in with a TOTP or recovery code. */
  completeSignIn(ticket: string, code: string): Promise<AuthqlUser>;
  requestSignInCode(email: string): Promise<boolean>;
  signInWithCode(email: string, code: string): Promise<SignInResult>;
  passkeys: Passkeys;
  oauth: {
    /** The URL to open for the web flow; it comes back to redirectTo with ?code= for exchange(). */
    startUrl(
      provider: string,
      redirectTo: string,
      options?: { state?: string; codeChallenge?: string },
    ): string;
    exchange(code: string, codeVerifier?: string): Promise<SignInResult>;
    /** A PKCE pair (S256) for startUrl's codeChallenge and exchange's codeVerifier (Web Crypto). */
    pkce(): Promise<{ verifier: string; challenge: string }>;
  };
  signInWithIdToken(provider: string, idToken: string, nonce?: string): Promise<SignInResult>;
  /**
   * Proves the signed-in user again (the password, or for an account without one a code from
   * requestSignInCode) when the server answers REAUTHENTICATION_REQUIRED: this session gets fresh
   * tokens. With TOTP on: mfa-required, then completeSignIn.
   */
  reauthenticate(proof: { password?: string; code?: string }): Promise<SignInResult>;
  /**
   * Any operation with the access token (without one when signed out); refreshes once on
   * UNAUTHENTICATED or expiry, then retries.
   */
  request<TResult, TVariables = Record<string, unknown>>(
    document: Document<TResult, TVariables>,
    variables?: TVariables,
  ): Promise<TResult>;
  me(): Promise<AuthqlUser>;
  /** Ends the session on the server (when it can) and forgets it here either way. */
  signOut(): Promise<void>;
  /** Called with the user on sign-in and with null when the session ends; returns an unsubscribe. */
  onChange(cb: (user: AuthqlUser | null) => void): () => void;
  /**
   * A current access token (refreshed when due), or null when signed out. `rejected`: a token the
   * server answered UNAUTHENTICATED; the answer is then a newer one (refreshing once for all who ask
   * at once), or the same one when the server still accepts it (the refusal was about something else).
   */
  accessToken(options?: { rejected?: string }): Promise<string | null>;
}

export function createAuthqlClient(options: AuthqlClientOptions): AuthqlClient {
  const { url } = options;
  const storage = options.storage ?? memoryStorage();
  // Called through a wrapper: window.fetch refuses to run with another `this`.
  const fetchFn: FetchLike = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  const marginMs = (options.refreshMarginSec ?? 30) * 1000;
  const listeners = new Set<(user: AuthqlUser | null) => void>();
  let announced: 'in' | 'out' | 'unknown' = 'unknown';
  let inflight: Promise<StoredSession | null> | null = null;

  const emit = (user: AuthqlUser | null) => {
    announced = user ? 'in' : 'out';
    for (const cb of [...listeners]) cb(user);
  };

  async function load(): Promise<StoredSession | null> {
    const text = await storage.get();
    if (!text) return null;
    try {
      const session = JSON.parse(text) as StoredSession;
      return session?.v === 1 && typeof session.refreshToken === 'string' ? session : null;
    } catch {
      return null;
    }
  }

  async function keep(payload: AuthqlSessionFragment): Promise<StoredSession> {
    const lifetime = payload.expiresIn * 1000;
    const session: StoredSession = {
      v: 1,
      accessToken: payload.accessToken,
      refreshToken: payload.refreshToken,
      refreshAt: Date.now() + lifetime - Math.min(marginMs, lifetime / 5),
      user: payload.user,
    };
    await storage.set(JSON.stringify(session));
    return session;
  }

  /** The session is over: forget it and say so once. */
  async function lose(): Promise<void> {
    await storage.set(null);
    if (announced !== 'out') emit(null);
  }

  /**
   * Spends the refresh token of `spent` once for every caller: concurrent callers share one
   * refresh, and under the storage's lock a caller whose token was already replaced (by another
   * caller or another tab) takes the stored successor instead of spending the old token again.
   */
  function refresh(spent: StoredSession): Promise<StoredSession | null> {
    inflight ??= (async () => {
      const run = async () => {
        const current = await load();
        if (!current || current.refreshToken !== spent.refreshToken) return current;
        try {
          const data = await post<{ refreshToken: AuthqlSessionFragment }>(
            fetchFn,
            url,
            textOf(RefreshTokenDocument),
            { refreshToken: current.refreshToken },
          );
          return await keep(data.refreshToken);
        } catch (err) {
          // Network trouble or a rate limit keeps the session for a later try.
          if (!isAuthqlError(err) || !SESSION_LOST.has(err.code)) throw err;
          await lose();
          return null;
        }
      };
      try {
        return await (storage.lock ? storage.lock(run) : run());
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  /** A session whose access token is not due for refresh, or null. */
  async function fresh(): Promise<StoredSession | null> {
    const session = await load();
    if (!session) return null;
    return Date.now() >= session.refreshAt ? refresh(session) : session;
  }

  async function signedIn(payload: AuthqlSessionFragment): Promise<AuthqlUser> {
    await keep(payload);
    emit(payload.user);
    return payload.user;
  }

  /** Sends an operation's text: without a token (`post`), or with this session's (`request`). */
  type Send = (query: string, variables: unknown) => Promise<unknown>;
  const anonymously: Send = (query, variables) => post(fetchFn, url, query, variables);

  /** A sign-in method's mutation: signed in, or the second factor asked for. */
  async function signInWith<K extends string>(
    key: K,
    document: Document<unknown, never>,
    variables: unknown,
    send: Send = anonymously,
  ): Promise<SignInResult> {
    try {
      const data = (await send(textOf(document), variables)) as Record<K, AuthqlSessionFragment>;
      return { status: 'signed-in', user: await signedIn(data[key]) };
    } catch (err) {
      if (isAuthqlError(err, 'MFA_REQUIRED') && err.mfaTicket)
        return { status: 'mfa-required', ticket: err.mfaTicket, methods: err.methods ?? [] };
      throw err;
    }
  }

  // One probe per refused token, shared by the requests refused with it.
  let probe: { token: string; accepted: Promise<boolean> } | null = null;
  function tokenAccepted(accessToken: string): Promise<boolean> {
    if (probe?.token !== accessToken) {
      const accepted = post(fetchFn, url, textOf(MeDocument), {}, accessToken).then(
        () => true,
        (err: unknown) => !isAuthqlError(err, 'UNAUTHENTICATED'),
      );
      probe = { token: accessToken, accepted };
      // A refusal is final (the token is expired or its session ended), an acceptance only for now.
      void accepted.then((ok) => {
        if (ok && probe?.accepted === accepted) probe = null;
      });
    }
    return probe.accepted;
  }

  async function request<TResult, TVariables>(
    document: Document<TResult, TVariables>,
    variables?: TVariables,
  ): Promise<TResult> {
    const query = textOf(document as Document<unknown, never>);
    const session = await fresh();
    // Signed out: public operations (activateAccount, oauthProviders, …) still work.
    if (!session) return post<TResult>(fetchFn, url, query, variables);
    try {
      return await post<TResult>(fetchFn, url, query, variables, session.accessToken);
    } catch (err) {
      if (!isAuthqlError(err, 'UNAUTHENTICATED')) throw err;
      // UNAUTHENTICATED also answers a wrong password (changePassword, deleteAccount): sending that
      // again would count as a second failure. Only a token the server refuses is refreshed.
      if (await tokenAccepted(session.accessToken)) throw err;
      // Expired early (clock skew), a rotated key, or an ended session: one refresh tells which.
      const next = await refresh(session);
      if (!next) throw new AuthqlError('UNAUTHENTICATED', 'The session has ended: sign in again.');
      return post<TResult>(fetchFn, url, query, variables, next.accessToken);
    }
  }

  const client: AuthqlClient = {
    async signUp(input) {
      const data = await post<{ signUp: boolean }>(fetchFn, url, textOf(SignUpDocument), { input });
      return data.signUp;
    },
    signIn: (input) => signInWith('signIn', SignInDocument, { input }),
    async completeSignIn(ticket, code) {
      const data = await post<{ completeSignIn: AuthqlSessionFragment }>(
        fetchFn,
        url,
        textOf(CompleteSignInDocument),
        { mfaTicket: ticket, code },
      );
      return signedIn(data.completeSignIn);
    },
    async requestSignInCode(email) {
      const data = await post<{ requestSignInCode: boolean }>(
        fetchFn,
        url,
        textOf(RequestSignInCodeDocument),
        { email },
      );
      return data.requestSignInCode;
    },
    signInWithCode: (email, code) =>
      signInWith('signInWithCode', SignInWithCodeDocument, { email, code }),
    passkeys: undefined as unknown as Passkeys,
    oauth: {
      startUrl(provider, redirectTo, { state, codeChallenge } = {}) {
        const start = new URL(`/oauth/${encodeURIComponent(provider)}/start`, url);
        start.searchParams.set('redirect_to', redirectTo);
        if (state) start.searchParams.set('state', state);
        if (codeChallenge) {
          start.searchParams.set('code_challenge', codeChallenge);
          start.searchParams.set('code_challenge_method', 'S256');
        }
        return start.toString();
      },
      exchange: (code, codeVerifier) =>
        signInWith('exchangeOAuthCode', ExchangeOAuthCodeDocument, { code, codeVerifier }),
      pkce,
    },
    signInWithIdToken: (provider, idToken, nonce) =>
      signInWith('signInWithIdToken', SignInWithIdTokenDocument, { provider, idToken, nonce }),
    reauthenticate: ({ password, code }) =>
      signInWith('reauthenticate', ReauthenticateDocument, { password, code }, request),
    request,
    async me() {
      return (await request(MeDocument)).me;
    },
    async signOut() {
      const session = await load();
      try {
        if (session) await request(SignOutDocument);
      } catch (err) {
        // Already ended (or unreachable): forgetting it here is what the user asked for.
        if (!isAuthqlError(err)) throw err;
      } finally {
        await storage.set(null);
        if (announced !== 'out') emit(null);
      }
    },
    onChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    async accessToken({ rejected } = {}) {
      const session = await fresh();
      if (!session || !rejected || session.accessToken !== rejected)
        return session?.accessToken ?? null;
      // Refused for another reason (a wrong password answers UNAUTHENTICATED too): the same token.
      if (await tokenAccepted(rejected)) return rejected;
      return (await refresh(session))?.accessToken ?? null;
    },
  };
  client.passkeys = createPasskeys({
    request,
    anonymous: { fetch: fetchFn, url },
    finishSignIn: (challengeId, response) =>
      signInWith('finishPasskeySignIn', FinishPasskeySignInDocument, { challengeId, response }),
  });
  // Another tab signed in or out: tell this one's listeners too.
  storage.subscribe?.(() => {
    void load().then((session) => {
      if (session && announced !== 'in') emit(session.user);
      else if (!session && announced !== 'out') emit(null);
    });
  });
  return client;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const digest = await globalThis.crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(verifier),
  );
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}
