import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';

export type ClientIp = (req: IncomingMessage) => string | null;

/**
 * Placeholder with the API issue 15 ("boot") is landing on proxy-addr: the socket address, or with
 * TRUST_PROXY the left-most X-Forwarded-For entry (what Express's `trust proxy = true` reads).
 */
export function createClientIp(trustProxy: Config['trustProxy']): ClientIp {
  if (!trustProxy) return (req) => req.socket.remoteAddress ?? null;
  return (req) => {
    const forwarded = req.headers['x-forwarded-for'];
    const first = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : '';
    return first || (req.socket.remoteAddress ?? null);
  };
}
