import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSchema, printSchemaFile } from '../src/schema';

describe('schema.graphql', () => {
  it('matches the schema built from the code (run `npm run schema:write` after changing resolvers)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(printSchemaFile(await createSchema())).toBe(committed);
  });

  it('declares the @auth directive and guards `me` with it', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toContain(
      'directive @auth(fresh: Int, mfa: Boolean = false, orgRole: OrgRole, requires: Role = USER) on FIELD_DEFINITION | OBJECT',
    );
    expect(committed).toMatch(/me: User! @auth\b/);
  });
});
