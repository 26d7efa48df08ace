import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/**
 * Another service behind authql: it protects GET /orders with authql access tokens, verified against
 * authql's public keys (JWKS). No shared secret, no call to authql per request.
 */

export interface OrdersServiceOptions {
  /** authql's origin, e.g. http://localhost:4000 (the JWKS is at /.well-known/jwks.json). */
  authqlOrigin: string;
  issuer?: string;
  audience?: string;
}

export interface Viewer {
  userId: string;
  role: string;
}

/** Returns a verifier for `Authorization: Bearer ...` headers; throws on any bad token. */
export function createVerifier(options: OrdersServiceOptions) {
  // jose caches the key set and refetches when it meets an unknown kid (a rotated key).
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', options.authqlOrigin));
  return async (authorization: string | undefined): Promise<Viewer> => {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) throw new errors.JWTInvalid('missing bearer token');
    const { payload } = await jwtVerify<JWTPayload & { role?: unknown; typ?: unknown }>(
      match[1]!,
      jwks,
      {
        // Pin what authql issues: asymmetric algorithms only, its issuer and audience.
        algorithms: ['ES256', 'RS256'],
        issuer: options.issuer ?? 'authql',
        audience: options.audience ?? 'authql',
        requiredClaims: ['exp', 'sub'],
      },
    );
    if (payload.typ !== 'access' || typeof payload.role !== 'string')
      throw new errors.JWTClaimValidationFailed('not an access token', payload, 'typ');
    return { userId: payload.sub!, role: payload.role };
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function createOrdersService(options: OrdersServiceOptions): Server {
  const verify = createVerifier(options);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || req.url !== '/orders')
      return send(res, 404, { error: 'not found' });
    verify(req.headers.authorization).then(
      (viewer) => send(res, 200, { userId: viewer.userId, orders: [] }),
      () =>
        send(
          res,
          401,
          { error: 'invalid or expired access token' },
          {
            'www-authenticate': 'Bearer error="invalid_token"',
          },
        ),
    );
  });
}

// `npm run example:service`: listens on ORDERS_PORT (default 4100) and trusts the authql at AUTHQL_URL
// (default http://localhost:4000, what `npm start` serves; only its origin is used, so the GraphQL
// endpoint's URL works too). A development server signs with an ES256 key of its own, so its JWKS
// verifies the tokens with no setup.
if (require.main === module) {
  const authqlOrigin = new URL(process.env.AUTHQL_URL || 'http://localhost:4000').origin;
  const port = Number(process.env.ORDERS_PORT || 4100);
  createOrdersService({ authqlOrigin }).listen(port, '127.0.0.1', () =>
    console.log(`orders service on http://127.0.0.1:${port}/orders, trusting ${authqlOrigin}`),
  );
}
