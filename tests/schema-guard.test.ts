import { getDirective } from '@graphql-tools/utils';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { IncomingMessage } from 'node:http';
import { createContextBuilder } from '../src/context';
import { codeOf, createActiveUser, signIn } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

/**
 * Walks the executed schema for every field guarded by @auth (on the field or on its type), builds a
 * real operation reaching it, and checks the guard answers over HTTP. Generic on purpose: fields added
 * later are covered without touching this file.
 */
let server: TestServer;
let userToken: string;
beforeAll(async () => {
  server = await startTestServer();
  userToken = (await signIn(server, (await createActiveUser(server)).email)).accessToken;
});
afterAll(() => server.close());

interface Guarded {
  operation: 'query' | 'mutation';
  /** Root-to-target fields, each a reachable field on the previous one's type. */
  path: Array<GraphQLField<unknown, unknown>>;
  requires: string;
}

const ruleOf = (schema: GraphQLSchema, type: GraphQLObjectType, field: GraphQLField<any, any>) =>
  getDirective(schema, field, 'auth')?.[0] ?? getDirective(schema, type, 'auth')?.[0];

function guardedFields(schema: GraphQLSchema): Guarded[] {
  const found: Guarded[] = [];
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const;
  for (const [operation, root] of roots) {
    if (!root) continue;
    // Breadth first: the shortest path to each guarded field; each type expanded once.
    const seen = new Set<string>();
    const queue: Array<{ type: GraphQLObjectType; path: Guarded['path'] }> = [
      { type: root, path: [] },
    ];
    while (queue.length > 0) {
      const { type, path } = queue.shift()!;
      if (seen.has(type.name) || type.name.startsWith('__')) continue;
      seen.add(type.name);
      for (const field of Object.values(type.getFields())) {
        const rule = ruleOf(schema, type, field);
        if (rule)
          found.push({ operation, path: [...path, field], requires: rule.requires ?? 'USER' });
        const next = getNamedType(field.type);
        // Beyond a guarded field everything is behind its guard already; keep walking open fields only.
        if (!rule && isObjectType(next)) queue.push({ type: next, path: [...path, field] });
      }
    }
  }
  return found;
}

function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).map((f) => `${f.name}: ${literal(f.type)}`);
    return `{ ${fields.join(', ')} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return '1';
      case 'Float':
        return '1.5';
      case 'Boolean':
        return 'true';
      case 'ID':
        return '"00000000-0000-4000-8000-000000000000"';
      case 'DateTime':
        return '"2030-01-01T00:00:00.000Z"';
      default:
        return '"dummy-value-1234"';
    }
  }
  throw new Error(`no dummy value for ${String(type)}`);
}

const call = (field: GraphQLField<unknown, unknown>, alias = '') => {
  const args = field.args.map((a) => `${a.name}: ${literal(a.type)}`);
  return `${alias ? `${alias}: ` : ''}${field.name}${args.length ? `(${args.join(', ')})` : ''}`;
};

function leafSelection(field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return '';
  if (!isObjectType(type)) return ' { __typename }';
  const leaves = Object.values(type.getFields()).filter(
    (f) => isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)),
  );
  return ` { ${leaves.length ? leaves.map((f) => f.name).join(' ') : '__typename'} }`;
}

/** The operation in three shapes: plain, through named and inline fragments, and aliased. */
function operations(g: Guarded): Record<string, string> {
  const nest = (aliasLast: boolean) =>
    g.path.reduceRight(
      (inner, field, i) =>
        `${call(field, aliasLast && i === g.path.length - 1 ? 'aliased' : '')}${inner ? ` { ${inner} }` : leafSelection(field)}`,
      '',
    );
  const rootType = g.operation === 'query' ? 'Query' : 'Mutation';
  return {
    plain: `${g.operation} { ${nest(false)} }`,
    fragment: `${g.operation} { ...F } fragment F on ${rootType} { ... on ${rootType} { ${nest(false)} } }`,
    alias: `${g.operation} { ${nest(true)} }`,
  };
}

/**
 * Whether an operation with dummy arguments can reach the field: every open field before it takes no
 * required argument. A guarded field only reachable behind, say, `activateAccount(token:)` (User's
 * admin-only fields) cannot be reached with a dummy token; its guard is then proven in-process instead.
 */
const reachable = (g: Guarded) =>
  g.path.slice(0, -1).every((f) => f.args.every((a) => !isNonNullType(a.type)));

/** The code the executed schema's (wrapped) resolver of the guarded field throws for this token. */
async function inProcessCode(g: Guarded, token: string | null): Promise<unknown> {
  const build = createContextBuilder(server.app.orm, server.app.services, () => '127.0.0.1');
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const field = g.path[g.path.length - 1]!;
  try {
    await field.resolve!({}, {}, build({ headers } as IncomingMessage), {} as never);
    return 'resolved';
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
}

describe('every @auth field in the executed schema is guarded', () => {
  const guarded = () => guardedFields(server.app.schema);
  const label = (g: Guarded) => g.path.map((f) => f.name).join('.');

  it('finds every field API.md protects, with the role it requires', () => {
    const found = Object.fromEntries(guarded().map((g) => [label(g), g.requires]));
    expect(found).toEqual(
      expect.objectContaining({
        me: 'USER',
        sessions: 'USER',
        signOut: 'USER',
        signOutEverywhere: 'USER',
        revokeSession: 'USER',
        changePassword: 'USER',
        deleteAccount: 'USER',
        users: 'ADMIN',
      }),
    );
  });

  it('leaves no root field that needs a viewer without the directive', async () => {
    // Resolvers behind @auth fail loudly (INTERNAL_SERVER_ERROR) when reached without a viewer, so a
    // field whose directive went missing shows up here even if no list above names it.
    const schema = server.app.schema;
    const failures: string[] = [];
    for (const [operation, root] of [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ] as const) {
      for (const field of Object.values(root.getFields())) {
        if (ruleOf(schema, root, field)) continue;
        const res = await server.gql(`${operation} { ${call(field)}${leafSelection(field)} }`);
        if (codeOf(res) === 'INTERNAL_SERVER_ERROR' || res.status >= 500)
          failures.push(`${field.name}: ${res.status} ${JSON.stringify(res.errors)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers UNAUTHENTICATED without a token, plainly, through fragments and through an alias', async () => {
    const failures: string[] = [];
    for (const g of guarded()) {
      if (!reachable(g)) {
        const code = await inProcessCode(g, null);
        if (code !== 'UNAUTHENTICATED') failures.push(`${label(g)} (in process): ${String(code)}`);
        continue;
      }
      for (const [shape, query] of Object.entries(operations(g))) {
        const res = await server.gql(query);
        if (res.status !== 200 || codeOf(res) !== 'UNAUTHENTICATED')
          failures.push(`${label(g)} (${shape}): ${res.status} ${JSON.stringify(res.errors)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers FORBIDDEN to a USER token on every ADMIN field', async () => {
    const adminOnly = guarded().filter((g) => g.requires === 'ADMIN');
    const failures: string[] = [];
    for (const g of adminOnly) {
      if (!reachable(g)) {
        const code = await inProcessCode(g, userToken);
        if (code !== 'FORBIDDEN') failures.push(`${label(g)} (in process): ${String(code)}`);
        continue;
      }
      for (const [shape, query] of Object.entries(operations(g))) {
        const res = await server.gql(query, {}, { token: userToken });
        if (codeOf(res) !== 'FORBIDDEN')
          failures.push(`${label(g)} (${shape}): ${res.status} ${JSON.stringify(res.errors)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
