import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthFlowError } from './oauth-flow-error';

/** What the app passed to `GET /oauth/<name>/start`. */
export interface StartParams {
  redirectTo?: string;
  /** startOAuthLink's ticket: this flow links a provider to that ticket's user. */
  link?: string;
  /** The app's own state, echoed back. */
  state?: string;
  /** The app's own PKCE challenge (S256): exchangeOAuthCode then demands its verifier. */
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

/** Where the flow returns, what it echoes, and the challenge that binds its code to the app. */
export interface AppRequest {
  target: string;
  appState: string | undefined;
  appCodeChallenge: string | null;
}

const MAX_APP_STATE = 512;
// RFC 7636 4.2: BASE64URL(SHA256(verifier)) is 43 characters; up to 128 is allowed.
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * Checks what the app sent to start: redirect_to against OAUTH_REDIRECT_URLS (exact match), its state,
 * its code_challenge. Throws OAuthFlowError with no redirect (a 400): nothing here is trusted yet.
 */
export function checkAppRequest(params: StartParams, allowed: readonly string[]): AppRequest {
  const { link, state: appState } = params;
  // A link opened without redirect_to returns to the first allowed URL.
  const target = params.redirectTo ?? (link ? allowed[0] : undefined);
  if (target === undefined || !allowed.includes(target))
    throw new OAuthFlowError('INVALID_TOKEN', null, 'redirect_to is not an allowed URL');
  if (appState !== undefined && (appState.length === 0 || appState.length > MAX_APP_STATE))
    throw new OAuthFlowError('INVALID_TOKEN', null, 'state must be 1 to 512 characters');
  const appCodeChallenge = checkedChallenge(params);
  // RFC 8252 8.1: any app may claim a custom scheme and receive the code; only the verifier's holder
  // can spend it. A link code needs the viewer's own token to be spent, so link flows are exempt.
  if (appCodeChallenge === null && link === undefined && !isWebUrl(target))
    throw new OAuthFlowError(
      'INVALID_TOKEN',
      null,
      'a custom-scheme redirect_to needs code_challenge',
    );
  return { target, appState, appCodeChallenge };
}

/** The app's S256 code_challenge, or null; throws OAuthFlowError for a malformed one. */
function checkedChallenge(params: StartParams): string | null {
  const { codeChallenge, codeChallengeMethod } = params;
  if (codeChallenge === undefined && codeChallengeMethod === undefined) return null;
  // Only S256: with `plain` the challenge on the URL is the verifier itself.
  if (codeChallengeMethod !== undefined && codeChallengeMethod !== 'S256')
    throw new OAuthFlowError('INVALID_TOKEN', null, 'code_challenge_method must be S256');
  if (codeChallenge === undefined || !CODE_CHALLENGE.test(codeChallenge))
    throw new OAuthFlowError('INVALID_TOKEN', null, 'code_challenge must be 43 to 128 base64url');
  return codeChallenge;
}

/**
 * Whether the verifier given at exchange fits the code's challenge. A verifier for a code that has
 * none is refused too: the app expected its own bound code, so this one was injected.
 */
export function verifierMatches(challenge: string | null, verifier: unknown): boolean {
  if (challenge === null) return verifier === null || verifier === undefined;
  if (typeof verifier !== 'string' || !CODE_VERIFIER.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

const isWebUrl = (url: string) => ['http:', 'https:'].includes(new URL(url).protocol);
