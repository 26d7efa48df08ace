import type { EntityManager } from '@mikro-orm/core';
import type { WebhookConfig } from '../webhooks/webhooks.config';
import type { DatabaseConfig } from './database.config';
import { KeyLabel, type ServerSecrets } from '../tokens/secrets';
import { ServerSetting } from './server-setting.entity';

/** The names of the rows a server writes at boot. */
export const SettingName = {
  KEY_FINGERPRINT: 'key_fingerprint',
  WEBHOOKS: 'webhooks',
} as const;

/** What a process writing to the database must share with the server that reads what it wrote. */
export interface Deployment {
  /** A one-way value of the current secret: equal secrets, equal fingerprints; never the key itself. */
  keyFingerprint: string;
  /** Whether WEBHOOK_URL/WEBHOOK_SECRET are set: changes then queue webhooks. */
  webhooks: boolean;
}

/** This process's side: its fingerprint comes from an HKDF key of its own label, used for nothing else. */
export function deploymentOf(
  config: { readonly webhook: WebhookConfig | null },
  secrets: ServerSecrets,
): Deployment {
  return {
    keyFingerprint: secrets.key(KeyLabel.KEY_FINGERPRINT).subarray(0, 16).toString('hex'),
    webhooks: config.webhook !== null,
  };
}

/** At boot: the server records its fingerprint and webhook configuration for CLI runs to check. */
export async function recordDeployment(em: EntityManager, deployment: Deployment): Promise<void> {
  await em.upsertMany(ServerSetting, [
    { name: SettingName.KEY_FINGERPRINT, value: deployment.keyFingerprint },
    { name: SettingName.WEBHOOKS, value: deployment.webhooks ? 'on' : 'off' },
  ]);
}

/** What the last server to boot on this database recorded (null: no server recorded anything yet). */
export async function recordedDeployment(em: EntityManager): Promise<Deployment | null> {
  const rows = await em.find(ServerSetting, {
    name: { $in: [SettingName.KEY_FINGERPRINT, SettingName.WEBHOOKS] },
  });
  const value = (name: string) => rows.find((r) => r.name === name)?.value;
  const keyFingerprint = value(SettingName.KEY_FINGERPRINT);
  if (keyFingerprint === undefined) return null;
  return { keyFingerprint, webhooks: value(SettingName.WEBHOOKS) === 'on' };
}

/**
 * Why a process other than the server (the CLI) must not write to this database; empty when it may.
 * What it seals (webhook rows, mail) must open with the server's key, and what the server would queue
 * (webhooks) must be queued by it too.
 */
export function writeRefusals(
  mine: Deployment & { driver: DatabaseConfig['driver']; developmentSecret: boolean },
  server: Deployment | null,
): string[] {
  const problems: string[] = [];
  if (mine.driver === 'postgresql' && mine.developmentSecret)
    problems.push(
      'refusing to write to a PostgreSQL database with the development secret (JWT_SECRET is not ' +
        'set, so ./data/jwt-secret is used): run with the server environment (NODE_ENV, JWT_SECRET, ...)',
    );
  if (server === null) return problems;
  if (server.keyFingerprint !== mine.keyFingerprint)
    problems.push(
      mine.developmentSecret
        ? "JWT_SECRET is not set and the development secret differs from the server's (key fingerprint mismatch)"
        : "JWT_SECRET differs from the server's (key fingerprint mismatch)",
    );
  if (server.webhooks && !mine.webhooks)
    problems.push(
      'the server sends webhooks but WEBHOOK_URL/WEBHOOK_SECRET are not set (the change would queue none)',
    );
  if (!server.webhooks && mine.webhooks)
    problems.push(
      'WEBHOOK_URL/WEBHOOK_SECRET are set but the server sends no webhooks (it could never deliver them)',
    );
  return problems;
}
