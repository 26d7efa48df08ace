import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { duration, integer, url, type ConfigContext, type EnvOf } from '../config-fields';

const linkPath = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      if (!/^\/[^\s#]*$/.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a path starting with / without spaces or # (got "${value}")`,
        });
        return z.NEVER;
      }
      return value;
    });

export const mailEnv = {
  SMTP_URL: url('SMTP_URL', ['smtp:', 'smtps:']).optional(),
  MAIL_TRANSPORT: z
    .enum(['smtp', 'file'], { message: 'MAIL_TRANSPORT must be smtp or file' })
    .optional(),
  MAIL_POLL_INTERVAL: duration('MAIL_POLL_INTERVAL', '1s'),
  MAIL_RETRY_BACKOFF: duration('MAIL_RETRY_BACKOFF', '5s'),
  MAIL_MAX_ATTEMPTS: integer('MAIL_MAX_ATTEMPTS', 12, 1, 100),
  MAIL_SEND_TIMEOUT: duration('MAIL_SEND_TIMEOUT', '15s'),
  MAIL_TEMPLATES_DIR: z
    .string()
    .refine((dir) => existsSync(dir) && statSync(dir).isDirectory(), {
      message: 'MAIL_TEMPLATES_DIR must be an existing directory',
    })
    .optional(),
  APP_NAME: z
    .string()
    .max(100, 'APP_NAME must be at most 100 characters')
    .refine((v) => !/[\r\n]/.test(v), { message: 'APP_NAME must be one line' })
    .default('authql'),
  MAIL_FROM: z
    .string()
    .min(3, 'MAIL_FROM must be an address')
    .default('authql <no-reply@localhost>'),
};

/** The paths of emailed links, appended to APP_URL (which may be a custom scheme such as myapp://auth). */
export const linkPathsEnv = {
  ACTIVATION_PATH: linkPath('ACTIVATION_PATH', '/activate'),
  RESET_PATH: linkPath('RESET_PATH', '/reset-password'),
};

export interface MailConfig {
  readonly smtpUrl: string | null;
  readonly from: string;
  readonly outboxDir: string;
  readonly pollIntervalMs: number;
  readonly retryBaseMs: number;
  readonly maxAttempts: number;
  readonly sendTimeoutMs: number;
  /** Product name used in mail bodies (APP_NAME). */
  readonly appName: string;
  /** Overrides of the built-in templates (MAIL_TEMPLATES_DIR), or null. */
  readonly templatesDir: string | null;
}

export interface LinkPaths {
  readonly activation: string;
  readonly reset: string;
}

export function mailConfig(
  e: EnvOf<typeof mailEnv>,
  { failed, isProduction, problems }: ConfigContext,
  dataDir: string,
): MailConfig {
  // A bad SMTP_URL or MAIL_TRANSPORT is already reported: calling it missing would only repeat it.
  if (failed.has('SMTP_URL') || failed.has('MAIL_TRANSPORT')) {
    // nothing more to say about mail
  } else if (e.MAIL_TRANSPORT === 'smtp' && !e.SMTP_URL) {
    problems.push('MAIL_TRANSPORT=smtp needs SMTP_URL');
  } else if (isProduction && !e.SMTP_URL && e.MAIL_TRANSPORT !== 'file') {
    problems.push(
      'SMTP_URL is required in production (mail carries live links); ' +
        'set MAIL_TRANSPORT=file to write mail to DATA_DIR/outbox on purpose instead',
    );
  }
  return {
    smtpUrl: e.MAIL_TRANSPORT === 'file' ? null : (e.SMTP_URL ?? null),
    from: e.MAIL_FROM,
    outboxDir: resolve(dataDir, 'outbox'),
    pollIntervalMs: e.MAIL_POLL_INTERVAL,
    retryBaseMs: e.MAIL_RETRY_BACKOFF,
    maxAttempts: e.MAIL_MAX_ATTEMPTS,
    sendTimeoutMs: e.MAIL_SEND_TIMEOUT,
    appName: e.APP_NAME,
    templatesDir: e.MAIL_TEMPLATES_DIR ? resolve(e.MAIL_TEMPLATES_DIR) : null,
  };
}

export function linkPathsConfig(e: EnvOf<typeof linkPathsEnv>): LinkPaths {
  return { activation: e.ACTIVATION_PATH, reset: e.RESET_PATH };
}
