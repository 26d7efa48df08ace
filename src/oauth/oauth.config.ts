import { z } from 'zod';
import { boolean, url, type ConfigContext, type EnvOf } from '../config-fields';

export const oauthEnv = {
  OAUTH_PROVIDERS: z.string().optional(),
  OAUTH_REDIRECT_URLS: z.string().optional(),
  OAUTH_CALLBACK_BASE_URL: url('OAUTH_CALLBACK_BASE_URL', ['http:', 'https:']).optional(),
  OAUTH_ALLOW_HTTP_ISSUERS: boolean('OAUTH_ALLOW_HTTP_ISSUERS'),
};

export type OAuthPreset = 'google' | 'apple' | 'microsoft';

export interface OAuthProviderConfig {
  /** Lower-case name used in URLs and the API (`google`, `apple`, `acme-sso`). */
  readonly name: string;
  readonly preset: OAuthPreset | null;
  /** OIDC issuer; its discovery document names the endpoints and the JWKS. */
  readonly issuer: string;
  readonly clientId: string;
  /** Needed by the web flow's token request; native ID tokens need none. */
  readonly clientSecret: string | null;
  /** Extra `aud` values accepted in native ID tokens (an iOS bundle id, an Android client id). */
  readonly audiences: readonly string[];
}

export interface OAuthConfig {
  readonly providers: readonly OAuthProviderConfig[];
  /** Where the web flow may send the browser back to, compared exactly (OAUTH_REDIRECT_URLS). */
  readonly redirectUrls: readonly string[];
  /** This server as providers reach it: callbacks are `${callbackBaseUrl}/oauth/<name>/callback`. */
  readonly callbackBaseUrl: string;
  /** Tests only: lets openid-client talk to an http:// issuer. Refused in production. */
  readonly allowHttpIssuers: boolean;
}

/** Issuers of the presets (discovery at `${issuer}/.well-known/openid-configuration`). */
export const OAUTH_PRESET_ISSUERS: Readonly<Record<OAuthPreset, string>> = Object.freeze({
  google: 'https://accounts.google.com',
  apple: 'https://appleid.apple.com',
  // Multi-tenant: openid-client and the native check resolve `{tenantid}` from the token's `tid`.
  microsoft: 'https://login.microsoftonline.com/common/v2.0',
});

const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const UNSAFE_SCHEME = /^\s*(javascript|data|vbscript|file|blob):/i;

/** The OAUTH_* variables: names are per provider (OAUTH_<NAME>_ISSUER), so they are read here, not by zod. */
export function oauthConfig(
  e: EnvOf<typeof oauthEnv>,
  { env, isProduction, problems }: ConfigContext,
  appUrl: string,
): OAuthConfig {
  const callbackBaseUrl = e.OAUTH_CALLBACK_BASE_URL ?? appUrl;
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  if (isProduction && e.OAUTH_ALLOW_HTTP_ISSUERS)
    problems.push('OAUTH_ALLOW_HTTP_ISSUERS is for tests only and is refused in production');
  const providers: OAuthProviderConfig[] = [];
  for (const raw of list(e.OAUTH_PROVIDERS)) {
    const name = raw.toLowerCase();
    if (!PROVIDER_NAME.test(name)) {
      problems.push(
        `OAUTH_PROVIDERS: "${raw}" must be a letter then letters, digits or - (at most 32)`,
      );
      continue;
    }
    if (providers.some((p) => p.name === name)) {
      problems.push(`OAUTH_PROVIDERS names "${name}" twice`);
      continue;
    }
    const prefix = `OAUTH_${name.toUpperCase().replace(/-/g, '_')}_`;
    const preset = (Object.hasOwn(OAUTH_PRESET_ISSUERS, name) ? name : null) as OAuthPreset | null;
    const issuer = env[`${prefix}ISSUER`] ?? (preset ? OAUTH_PRESET_ISSUERS[preset] : undefined);
    const clientId = env[`${prefix}CLIENT_ID`];
    if (!issuer) {
      problems.push(`${prefix}ISSUER is required for provider "${name}" (its OIDC issuer URL)`);
    } else {
      let protocol = '';
      try {
        protocol = new URL(issuer).protocol;
      } catch {
        // reported below
      }
      if (protocol !== 'https:' && !(protocol === 'http:' && e.OAUTH_ALLOW_HTTP_ISSUERS))
        problems.push(`${prefix}ISSUER must be an https:// URL (got "${issuer}")`);
    }
    if (!clientId) problems.push(`${prefix}CLIENT_ID is required for provider "${name}"`);
    providers.push({
      name,
      preset,
      issuer: issuer ?? '',
      clientId: clientId ?? '',
      clientSecret: env[`${prefix}CLIENT_SECRET`] ?? null,
      audiences: list(env[`${prefix}AUDIENCES`]),
    });
  }
  if (providers.length > 0 && !/^https?:\/\//i.test(callbackBaseUrl))
    problems.push(
      'OAUTH_CALLBACK_BASE_URL is required when APP_URL is not an http(s) URL: the public URL of this server',
    );
  const redirectUrls = list(e.OAUTH_REDIRECT_URLS);
  for (const value of redirectUrls) {
    let ok = !UNSAFE_SCHEME.test(value) && !value.includes('#');
    try {
      new URL(value);
    } catch {
      ok = false;
    }
    if (!ok)
      problems.push(
        `OAUTH_REDIRECT_URLS: "${value}" must be an absolute URL (web or app scheme) without a # fragment`,
      );
  }
  return {
    providers,
    redirectUrls,
    callbackBaseUrl: callbackBaseUrl.replace(/\/+$/, ''),
    allowHttpIssuers: e.OAUTH_ALLOW_HTTP_ISSUERS,
  };
}
