import { createReadStream, existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';

/**
 * The passkey example's web server: serves index.html, app.js and @simplewebauthn/browser's bundle
 * from node_modules (no CDN), and forwards POST /graphql to authql, so the page and the API share one
 * origin. That origin (e.g. http://localhost:8080) must be listed in authql's WEBAUTHN_ORIGINS, and
 * WEBAUTHN_RP_ID must be its host (localhost) or a parent domain of it.
 *
 *   WEBAUTHN_RP_ID=localhost WEBAUTHN_ORIGINS=http://localhost:8080 npm start
 *   npm run example:passkeys            # then open http://localhost:8080
 */
// The page sits beside this file; compiled into dist/, it is still read from the source folder.
const STATIC = existsSync(join(__dirname, 'index.html'))
  ? __dirname
  : resolve(__dirname, '../../../examples/passkeys');
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: join(STATIC, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(STATIC, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/simplewebauthn-browser.js': {
    // The package's "unpkg" bundle; its exports map hides the path, so go from its entry point.
    file: resolve(
      dirname(require.resolve('@simplewebauthn/browser')),
      '../dist/bundle/index.umd.min.js',
    ),
    type: 'text/javascript; charset=utf-8',
  },
};

export interface ExampleServer {
  /** The page's origin, e.g. http://localhost:8080. */
  origin: string;
  server: Server;
  close(): Promise<void>;
}

export async function startPasskeyExample(options: {
  /** authql's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  graphqlUrl: string;
  port?: number;
}): Promise<ExampleServer> {
  const target = new URL(options.graphqlUrl);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/graphql' && req.method === 'POST') {
      const upstream = request(
        target,
        {
          method: 'POST',
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/json',
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            ...(req.headers['user-agent'] ? { 'user-agent': req.headers['user-agent'] } : {}),
          },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, {
            'content-type': answer.headers['content-type'] ?? 'application/json',
          });
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'authql is not reachable' }] }));
      });
      req.pipe(upstream);
      return;
    }
    const entry = req.method === 'GET' ? FILES[path] : undefined;
    if (!entry) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': entry.type,
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'",
    });
    createReadStream(entry.file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  const graphqlUrl = process.env.AUTHQL_URL ?? 'http://127.0.0.1:4000/graphql';
  const port = Number(process.env.PORT ?? 8080);
  startPasskeyExample({ graphqlUrl, port })
    .then(({ origin }) => console.log(`passkey example on ${origin} (authql at ${graphqlUrl})`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
