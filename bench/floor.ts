/**
 * Baseline servers of the bench, each a process of its own (as authql is), printing
 * "authql listening on <url>" like the real server so bench/server.ts can start them:
 *   node dist/bench/floor.js hello    bare node:http, a fixed JSON answer (the floor of any Node server)
 *   node dist/bench/floor.js apollo   Apollo Server 5, a one-field schema, on bare node:http through
 *                                     executeHTTPGraphQLRequest (Apollo's own ceiling here)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';

const HELLO = '{"data":{"__typename":"Query"}}';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function apolloHandler(): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const apollo = new ApolloServer({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'world' } },
    introspection: false,
    csrfPrevention: true,
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  return (req, res) => {
    void (async () => {
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const text = req.method === 'POST' ? await readBody(req) : '';
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method ?? 'GET',
          headers,
          search: q === -1 ? '' : url.slice(q),
          body: text ? (JSON.parse(text) as unknown) : undefined,
        },
        context: async () => ({}),
      });
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      res.end(response.body.kind === 'complete' ? response.body.string : '');
    })().catch(() => {
      res.statusCode = 500;
      res.end();
    });
  };
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const handler =
    kind === 'apollo'
      ? await apolloHandler()
      : (_req: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(HELLO),
          });
          res.end(HELLO);
        };
  const server = createServer(handler);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`authql listening on http://127.0.0.1:${port}/graphql\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

void main();
