import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { errorFields } from '../errors';
import type { Logger } from '../logger';

/** The one request-body limit of /graphql (API.md: 100 kB), in kB. */
export const BODY_LIMIT_KB = 100;
const BODY_LIMIT_BYTES = BODY_LIMIT_KB * 1024;
export const GRAPHQL_PATH = '/graphql';

/** An HTTP-level refusal, answered as GraphQL-shaped JSON before Apollo sees the request. */
class HttpRefusal extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** True for /graphql with or without a query string: the only path the lean handler serves. */
export function isGraphQLPath(url: string | undefined): boolean {
  if (!url?.startsWith(GRAPHQL_PATH)) return false;
  const next = url.charCodeAt(GRAPHQL_PATH.length);
  // End of string, '?' or '/': /graphql, /graphql?query=..., /graphql/ (Express matched these too).
  return Number.isNaN(next) || next === 63 || next === 47;
}

/**
 * Serves /graphql straight from node:http through Apollo's executeHTTPGraphQLRequest: the same Apollo
 * server (plugins, CSRF prevention, landing page, formatError) without Express's per-request layers.
 */
export function createGraphQLHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: (req: IncomingMessage) => TContext,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  apollo.assertStarted('createGraphQLHandler()');
  return (req, res) => {
    serve(apollo, context, req, res).catch((err: unknown) => {
      const status = err instanceof HttpRefusal ? err.status : 500;
      if (status >= 500) logger.error(errorFields(err), 'request failed');
      refuse(res, status);
      // Whatever of an oversized or broken body is still unread is discarded, not parsed.
      req.resume();
    });
  };
}

async function serve<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: (req: IncomingMessage) => TContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const headers = new HeaderMap();
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const body = method === 'POST' ? await readJson(req, raw['content-type']) : undefined;
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method,
      headers,
      search: query === -1 ? '' : url.slice(query),
      body,
    },
    context: async () => context(req),
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * The body of a JSON POST, parsed, within BODY_LIMIT_BYTES; undefined for other content types, which
 * Apollo then refuses (CSRF prevention, or "POST body missing"). Same answers as express.json did:
 * 413 over the limit, 415 for a non-UTF charset or a compressed body, 400 for malformed JSON.
 */
async function readJson(req: IncomingMessage, contentType: string | undefined): Promise<unknown> {
  if (!contentType || !isJson(contentType)) return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
  if (charset !== undefined && !charset.startsWith('utf-')) throw new HttpRefusal(415);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw new HttpRefusal(415);
  const declared = Number(req.headers['content-length']);
  if (declared > BODY_LIMIT_BYTES) throw new HttpRefusal(413);
  const text = await readBody(req);
  // As express.json's strict mode: only an object or an array (a batch, which Apollo refuses) is a request.
  const start = text.search(/\S/);
  if (start === -1) return {};
  const first = text[start];
  if (first !== '{' && first !== '[') throw new HttpRefusal(400);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpRefusal(400);
  }
}

function isJson(contentType: string): boolean {
  const end = contentType.indexOf(';');
  const type = (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
  return type === 'application/json';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        cleanup();
        reject(new HttpRefusal(413));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString());
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    // A client that aborts mid-body ends the request here; nothing is left to answer.
    const onAborted = () => {
      cleanup();
      reject(new HttpRefusal(400));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const MESSAGES: Record<number, string> = {
  413: `Request body is too large (limit ${BODY_LIMIT_KB} kB).`,
  415: 'Unsupported request encoding: send UTF-8 JSON, uncompressed.',
};

/** HTTP-level failures answer as GraphQL-shaped JSON, never as an HTML page or a stack trace. */
export function refuse(res: ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const message =
    MESSAGES[status] ?? (status < 500 ? 'Malformed request.' : 'Internal server error.');
  const code = status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
