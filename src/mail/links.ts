import type { Config } from '../config';

/** Links in mail are built from APP_URL only, never from the request's Host or X-Forwarded-Host. */
export class Links {
  constructor(private readonly appUrl: string) {}

  static from(config: Config): Links {
    return new Links(config.appUrl);
  }

  activation(token: string): string {
    return `${this.appUrl}/activate?token=${encodeURIComponent(token)}`;
  }

  resetPassword(token: string): string {
    return `${this.appUrl}/reset-password?token=${encodeURIComponent(token)}`;
  }
}
