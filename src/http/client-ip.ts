import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { ClientInfo } from '../sessions/session.types';

export type ClientIp = (req: IncomingMessage) => string | null;

/**
 * The one reader of a request's client IP (GraphQL, the pages, any lean node:http path): the socket
 * address, or with TRUST_PROXY the first address in X-Forwarded-For not added by a trusted proxy.
 */
export function createClientIp(trustProxy: false | number | string[]): ClientIp {
  if (trustProxy === false) return (req) => req.socket.remoteAddress ?? null;
  // A hop count trusts the n addresses nearest the socket, whoever they are (as Express does).
  const trust =
    typeof trustProxy === 'number'
      ? (_addr: string, i: number) => i < trustProxy
      : proxyaddr.compile(trustProxy);
  return (req) => (req.socket.remoteAddress ? proxyaddr(req, trust) : null);
}

/** Throws when an entry of a TRUST_PROXY list is neither an address, a CIDR nor a proxy-addr range name. */
export function checkTrustedProxies(list: string[]): void {
  proxyaddr.compile(list);
}

/** Who sent a request, as sessions and security logs record it. */
export function clientInfo(req: IncomingMessage, clientIp: ClientIp): ClientInfo {
  const userAgent = req.headers['user-agent'];
  return { ip: clientIp(req), userAgent: typeof userAgent === 'string' ? userAgent : null };
}
