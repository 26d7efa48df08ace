import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('HTTP endpoints', () => {
  it('GET /health answers 200 {"status":"ok"} while the database answers', async () => {
    const res = await fetch(`${server.origin}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /health answers 503 {"status":"unavailable"} when the database is gone', async () => {
    const broken = await startTestServer();
    await broken.app.orm.close(true);
    const res = await fetch(`${broken.origin}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
    await broken.close();
  });

  it('GET /.well-known/jwks.json serves an empty key set while only HS256 is configured', async () => {
    const res = await fetch(`${server.origin}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [] });
  });

  it('refuses a request body over 100 kB with HTTP 413 and a JSON error', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(110 * 1024) } }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as any;
    expect(body.errors[0].message).toMatch(/too large/i);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
  });

  it('refuses batched (array) requests', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('refuses simple (CSRF-able) requests: text/plain posts and mutations over GET', async () => {
    const plain = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(plain.status).toBe(400);
    const get = await fetch(
      `${server.url}?query=${encodeURIComponent('mutation { resendActivation(email: "a@b.co") }')}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    expect(get.status).toBe(405);
  });

  it('answers malformed or non-object JSON with HTTP 400 BAD_REQUEST, never a 500 or a stack trace', async () => {
    for (const body of ['{"query": "{ __typename }"', '"{ __typename }"', '42', 'nul']) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      const json = (await res.json()) as any;
      expect(json.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(JSON.stringify(json)).not.toMatch(/at .*\.js|SyntaxError/);
    }
  });

  it('refuses a non-UTF charset and a compressed body with HTTP 415, and serves the same query otherwise', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const latin = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=latin1' },
      body,
    });
    expect(latin.status).toBe(415);
    const gzip = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(gzip.status).toBe(415);
    const ok = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('serves a GET query with its variables from the search string; other paths stay on the same port', async () => {
    const query = encodeURIComponent('query ($on: Boolean!) { __typename @include(if: $on) }');
    const res = await fetch(
      `${server.url}?query=${query}&variables=${encodeURIComponent('{"on":true}')}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    const missing = await fetch(`${server.origin}/graphqlx`);
    expect(missing.status).toBe(404);
  });
});
