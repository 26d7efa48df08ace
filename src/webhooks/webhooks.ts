import type { UnitOfWork } from '../database/unit-of-work';
import type { Mailer } from '../mail/mailer';
import type { UserSnapshot } from '../users/user-snapshot';
import type { WebhookEventType, WebhookMessage } from './webhook-sender';

export type { WebhookEventType, WebhookMessage } from './webhook-sender';
export { WebhookSender } from './webhook-sender';

/**
 * User lifecycle webhooks (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).
 * queue() writes the event into the outbox inside the change's unit of work, so it is sent exactly when
 * the change committed; the outbox sender delivers it with the same leases, retries and backoff as mail,
 * at least once, under a `webhook-id` that stays the same on every retry (receivers de-duplicate on it).
 */
export class Webhooks {
  constructor(
    private readonly enabled: boolean,
    private readonly outbox: Mailer,
  ) {}

  /** Queues the event in the caller's transaction; nothing when no WEBHOOK_URL is configured. */
  async queue(
    uow: UnitOfWork,
    type: WebhookEventType,
    data: Record<string, unknown>,
  ): Promise<void> {
    if (!this.enabled) return;
    const message: WebhookMessage = { type, timestamp: new Date().toISOString(), data };
    await this.outbox.queueWebhook(uow, message);
  }
}

/** What a webhook says about a user: the public view, never a hash. */
export function webhookUser(
  user: Pick<UserSnapshot, 'id' | 'email' | 'role' | 'isActive' | 'disabled' | 'createdAt'>,
): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    isActive: user.isActive,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}
