import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GqlResult } from './http';

export interface ForwardingProxy {
  /** The proxy's GraphQL URL (same path as the target's). */
  url: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy as nginx runs one (`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`):
 * whatever X-Forwarded-For the client sent, with the client's socket address appended.
 */
export async function startForwardingProxy(target: string): Promise<ForwardingProxy> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const sent = req.headers['x-forwarded-for'];
    const peer = req.socket.remoteAddress!;
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': sent ? `${String(sent)}, ${peer}` : peer },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One GraphQL POST from a chosen loopback address (127.0.0.0/8 is all this machine's), via node:http. */
export function postFrom<T = Record<string, any>>(
  localAddress: string,
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; headers?: IncomingHttpHeaders } = {},
): Promise<GqlResult<T>> {
  const body = JSON.stringify({ query, variables });
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(text) as Record<string, any>;
            resolve({
              status: res.statusCode!,
              data: parsed.data,
              errors: parsed.errors,
              body: parsed,
            });
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
