import { z } from 'zod';
import { url, type ConfigContext, type EnvOf } from '../config-fields';

export const webhooksEnv = {
  WEBHOOK_URL: url('WEBHOOK_URL', ['http:', 'https:']).optional(),
  WEBHOOK_SECRET: z
    .string()
    .regex(
      /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/,
      'WEBHOOK_SECRET must be whsec_ followed by at least 24 base64 bytes, e.g. whsec_$(openssl rand -base64 32)',
    )
    .optional(),
};

/** Standard Webhooks receiver of user lifecycle events. */
export interface WebhookConfig {
  readonly url: string;
  readonly secret: string;
}

/** Both variables or neither: null when neither is set. */
export function webhooksConfig(
  e: EnvOf<typeof webhooksEnv>,
  { failed, problems }: ConfigContext,
): WebhookConfig | null {
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET && !failed.has('WEBHOOK_SECRET'))
    problems.push('WEBHOOK_SECRET is required with WEBHOOK_URL (whsec_ and base64)');
  if (e.WEBHOOK_SECRET && !e.WEBHOOK_URL && !failed.has('WEBHOOK_URL'))
    problems.push('WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both or neither');
  return e.WEBHOOK_URL && e.WEBHOOK_SECRET
    ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET }
    : null;
}
