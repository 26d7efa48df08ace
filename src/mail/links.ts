import type { LinkPaths } from './mail.config';

export const EMAIL_CHANGE_PATH = '/confirm-email';

/**
 * Links in mail are built from APP_URL only, never from the request's Host or X-Forwarded-Host.
 * Plain concatenation, not `new URL(path, base)`: a custom scheme (myapp://auth) or a hash-routed base
 * (https://app/#) keeps its own path.
 */
export class Links {
  constructor(
    private readonly appUrl: string,
    private readonly paths: LinkPaths = { activation: '/activate', reset: '/reset-password' },
  ) {}

  static from(config: { readonly appUrl: string; readonly linkPaths: LinkPaths }): Links {
    return new Links(config.appUrl, config.linkPaths);
  }

  activation(token: string): string {
    return this.build(this.paths.activation, token);
  }

  resetPassword(token: string): string {
    return this.build(this.paths.reset, token);
  }

  /** An organization's invitation, for the app to open (API.md: `${APP_URL}/invitations/<id>`). */
  invitation(id: string): string {
    return `${this.appUrl}/invitations/${encodeURIComponent(id)}`;
  }

  /** The confirmation of an email change: the built-in page at /confirm-email (or the app's own). */
  emailChange(token: string): string {
    return this.build(EMAIL_CHANGE_PATH, token);
  }

  private build(path: string, token: string): string {
    const separator = path.includes('?') ? '&' : '?';
    return `${this.appUrl}${path}${separator}token=${encodeURIComponent(token)}`;
  }
}
