import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  id: string;
  timestamp: string;
  /** Whether the signature verified against the receiver's secret (standardwebhooks' own check). */
  verified: boolean;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  raw: string;
  status: number;
}

/**
 * A webhook receiver as a customer would write one: verifies every request with the `standardwebhooks`
 * package. `answer` decides each response (default 204); `hang` keeps a request open until the sender
 * gives up.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  answer: (delivery: Delivery) => number | 'hang' = () => 204;
  private readonly server: Server;
  private readonly verifier: Webhook;
  private readonly hanging = new Set<ServerResponse>();
  private waiters: Array<() => void> = [];
  url = '';

  constructor(readonly secret: string) {
    this.verifier = new Webhook(secret);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  /** Resolves once `count` deliveries match `filter`. */
  async waitFor(
    filter: (d: Delivery) => boolean,
    count = 1,
    timeoutMs = 10_000,
  ): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.deliveries.filter(filter);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} deliveries, saw ${found.length}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100).unref();
      });
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let verified = false;
    try {
      this.verifier.verify(raw, headers);
      verified = true;
    } catch {
      verified = false;
    }
    const delivery: Delivery = {
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      verified,
      body: JSON.parse(raw) as Delivery['body'],
      raw,
      status: 0,
    };
    const answer = verified ? this.answer(delivery) : 401;
    if (answer === 'hang') {
      this.hanging.add(res);
      delivery.status = -1;
    } else {
      delivery.status = answer;
      res.writeHead(answer).end();
    }
    this.deliveries.push(delivery);
    for (const wake of this.waiters.splice(0)) wake();
  }
}
