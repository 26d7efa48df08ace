import { Webhook } from 'standardwebhooks';

/** The user lifecycle events of API.md "Webhooks". */
export type WebhookEventType =
  | 'user.created'
  | 'user.activated'
  | 'user.deleted'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.role_changed'
  | 'organization.created'
  | 'organization.deleted'
  | 'member.added'
  | 'member.removed'
  | 'member.role_changed'
  | 'invitation.created'
  | 'invitation.accepted'
  | 'user.email_changed';

/** What the outbox row holds (sealed): the Standard Webhooks payload, fixed when the change commits. */
export interface WebhookMessage {
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Bound on one delivery attempt (connect to last byte): a slow receiver is retried, not waited on. */
  timeoutMs: number;
}

/** Signs and POSTs one event: the last step of an outbox row of kind `webhook`. */
export class WebhookSender {
  private readonly signer: Webhook;

  constructor(private readonly options: WebhookOptions) {
    this.signer = new Webhook(options.secret);
  }

  /** One delivery attempt; throws on a network error, a timeout or a non-2xx answer (then retried). */
  async send(id: string, message: WebhookMessage): Promise<void> {
    const body = JSON.stringify(message);
    const now = new Date();
    const res = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'authql-webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': this.signer.sign(id, now, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    // The body is not needed; reading it frees the connection.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300)
      throw new Error(`receiver answered HTTP ${res.status}`);
  }
}
