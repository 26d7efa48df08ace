import { z } from 'zod';
import type { ConfigContext, EnvOf } from '../config-fields';

export const passkeysEnv = {
  WEBAUTHN_RP_ID: z.string().optional(),
  WEBAUTHN_RP_NAME: z
    .string()
    .max(100, 'WEBAUTHN_RP_NAME must be at most 100 characters')
    .refine((v) => !/[\r\n]/.test(v), { message: 'WEBAUTHN_RP_NAME must be one line' })
    .optional(),
  WEBAUTHN_ORIGINS: z.string().optional(),
};

export interface WebAuthnConfig {
  /** The domain passkeys are bound to (WEBAUTHN_RP_ID). */
  readonly rpId: string;
  readonly rpName: string;
  /** Web origins and `android:apk-key-hash:` origins a response may come from. */
  readonly origins: readonly string[];
}

// A DNS name (what WebAuthn accepts as an RP ID: no scheme, port, path or IP address), lower case.
const RP_ID = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;
// Android: the base64url SHA-256 of the app's signing certificate (Credential Manager's origin form).
const APK_KEY_HASH = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

function webOrigin(value: string): URL | null {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

/**
 * Passkey settings, defaulting to APP_URL's host and origin. An explicit origin must be exactly an
 * origin (no path), https (http only on localhost, as browsers require), on the RP ID or a subdomain.
 */
export function passkeysConfig(
  e: EnvOf<typeof passkeysEnv>,
  { problems }: ConfigContext,
  appUrlValue: string,
  appName: string,
): WebAuthnConfig | null {
  const appUrl = webOrigin(appUrlValue);
  let rpId = e.WEBAUTHN_RP_ID?.trim();
  // An IP address is no RP ID (WebAuthn needs a domain): its last label would be all digits.
  if (rpId !== undefined && (!RP_ID.test(rpId) || /(^|\.)\d+$/.test(rpId))) {
    problems.push(
      `WEBAUTHN_RP_ID must be a lower-case domain name such as example.com, without scheme or port (got "${rpId}")`,
    );
    return null;
  }
  rpId ??= appUrl && !/^[\d.]+$|^\[/.test(appUrl.hostname) ? appUrl.hostname : undefined;
  if (rpId === undefined) {
    if (e.WEBAUTHN_ORIGINS)
      problems.push('WEBAUTHN_RP_ID is required when APP_URL is not a web URL on a domain name');
    return null;
  }
  const listed = e.WEBAUTHN_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (!listed?.length) {
    if (!appUrl || !(appUrl.hostname === rpId || appUrl.hostname.endsWith(`.${rpId}`))) {
      problems.push(`WEBAUTHN_ORIGINS is required: APP_URL is not a web page on ${rpId}`);
      return null;
    }
    return { rpId, rpName: e.WEBAUTHN_RP_NAME ?? appName, origins: [appUrl.origin] };
  }
  const origins: string[] = [];
  for (const origin of listed) {
    if (APK_KEY_HASH.test(origin)) {
      origins.push(origin);
      continue;
    }
    const url = webOrigin(origin);
    const host = url?.hostname;
    if (!url || url.origin !== origin.replace(/\/$/, '')) {
      problems.push(
        `WEBAUTHN_ORIGINS: "${origin}" is neither an origin (https://host[:port], no path) nor android:apk-key-hash:<43 base64url characters>`,
      );
    } else if (url.protocol === 'http:' && host !== 'localhost' && !host!.endsWith('.localhost')) {
      problems.push(`WEBAUTHN_ORIGINS: "${origin}" must be https (http only on localhost)`);
    } else if (host !== rpId && !host!.endsWith(`.${rpId}`)) {
      problems.push(
        `WEBAUTHN_ORIGINS: "${origin}" is not on WEBAUTHN_RP_ID ${rpId} or a subdomain of it`,
      );
    } else {
      origins.push(url.origin);
    }
  }
  return { rpId, rpName: e.WEBAUTHN_RP_NAME ?? appName, origins };
}
