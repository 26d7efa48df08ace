/** Codes the web flow puts in `?error=`; the app shows its own message for each. */
export type OAuthRedirectError =
  'ACCESS_DENIED' | 'INVALID_TOKEN' | 'FORBIDDEN' | 'EMAIL_NOT_VERIFIED' | 'INTERNAL_SERVER_ERROR';

/** A failure of the web flow that goes back to the app as `?error=`. */
export class OAuthFlowError extends Error {
  constructor(
    readonly code: OAuthRedirectError,
    /** Where to send it; null when the request named no allowed URL (the router answers 400). */
    readonly redirectTo: string | null,
    reason: string,
    /** The app's `state` from start, sent back beside `error`. */
    readonly appState: string | null = null,
  ) {
    super(reason);
    this.name = 'OAuthFlowError';
  }

  /** Where the browser goes: redirect_to with `error` (and the app's state), or null for a 400. */
  get location(): string | null {
    if (!this.redirectTo) return null;
    return withParams(this.redirectTo, {
      error: this.code,
      ...(this.appState !== null ? { state: this.appState } : {}),
    });
  }
}

/** Adds query parameters to an app URL (web or custom scheme), keeping its own. */
export function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.href;
}
