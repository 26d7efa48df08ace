import { GRAPHQL_LIMITS } from '../src/limits/armor';
import { codeOf, uniqueEmail } from './helpers/flows';
import { startTestServer, type GqlResult, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Refused while validating: HTTP 400, a GraphQL error with a request code, nothing executed, no stack. */
function expectRefused(
  res: GqlResult,
  message: RegExp,
  code: 'GRAPHQL_VALIDATION_FAILED' | 'GRAPHQL_PARSE_FAILED' = 'GRAPHQL_VALIDATION_FAILED',
) {
  expect(res.status).toBe(400);
  expect(res.data).toBeUndefined();
  expect(res.errors!.map((e) => e.message).join('\n')).toMatch(message);
  // Each limit answers with one code: the token limit stops the parser, the others the validation.
  expect(codeOf(res)).toBe(code);
  expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|at .*\.[jt]s:\d+/);
}

const expectAccepted = (res: GqlResult) => {
  expect(res.status).toBe(200);
  expect(res.errors).toBeUndefined();
};

// `__type` is not skipped by the depth rule (only `__schema` is), so it nests as deep as we like.
const nested = (levels: number) => {
  let selection = 'name';
  for (let i = 0; i < levels; i++) selection = `ofType { ${selection} }`;
  return `{ __type(name: "User") { fields { type { ${selection} } } } }`;
};

describe('GraphQL armor', () => {
  it(`allows ${GRAPHQL_LIMITS.maxAliases} aliases and refuses more`, async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    // Accepted by validation: execution then asks for a token.
    expect(codeOf(await server.gql(aliases(15)))).toBe('UNAUTHENTICATED');
    expectRefused(await server.gql(aliases(16)), /alias/i);
    // The same count through a fragment.
    expectRefused(
      await server.gql(`{ ...F } fragment F on Query { ${aliases(16).slice(1, -1)} }`),
      /alias/i,
    );
  });

  it(`allows depth ${GRAPHQL_LIMITS.maxDepth} and refuses more`, async () => {
    // __type(1) fields(2) type(3) + ofType levels + the leaf.
    expectAccepted(await server.gql(nested(6)));
    expectRefused(await server.gql(nested(7)), /depth limit of 10 exceeded, found 11/i);
  });

  it(`allows ${GRAPHQL_LIMITS.maxDirectives} directives and refuses more`, async () => {
    const directives = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename @skip(if: false)`).join(' ')} }`;
    expectAccepted(await server.gql(directives(10)));
    expectRefused(await server.gql(directives(11)), /directive/i);
  });

  it(`refuses documents over ${GRAPHQL_LIMITS.maxTokens} tokens before parsing them fully`, async () => {
    const res = await server.gql(`{ ${'__typename '.repeat(GRAPHQL_LIMITS.maxTokens + 10)}}`);
    expectRefused(res, /token/i, 'GRAPHQL_PARSE_FAILED');
    expect(codeOf(res)).toBe('GRAPHQL_PARSE_FAILED');
  });

  it(`refuses operations costing more than ${GRAPHQL_LIMITS.maxCost}`, async () => {
    // 15 aliases of a 9-level introspection walk: within the alias and depth limits, far over the cost.
    const walk = (i: number) =>
      `a${i}: __type(name: "User") { name fields { name type { name kind ofType { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } }`;
    const res = await server.gql(`{ ${Array.from({ length: 15 }, (_, i) => walk(i)).join(' ')} }`);
    expectRefused(res, /cost/i);
  });

  it('lets the largest legitimate operation through: 15 aliased signIn selecting everything', async () => {
    const selection =
      'accessToken refreshToken expiresIn user { id email role isActive createdAt }';
    const query = `mutation ($email: String!, $password: String!) { ${Array.from(
      { length: 15 },
      (_, i) => `a${i}: signIn(input: { email: $email, password: $password }) { ${selection} }`,
    ).join(' ')} }`;
    const res = await server.gql(query, { email: uniqueEmail('ghost'), password: 'x'.repeat(12) });
    // Validation passed; execution ran and failed on the credentials.
    expect(res.status).toBe(200);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });

  it('answers a bad operation with errors and never a stack trace, also in development', async () => {
    const res = await server.gql('{ me { nope } }');
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(res.body)).not.toMatch(/stacktrace/);
  });
});
