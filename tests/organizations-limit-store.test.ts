import { createActiveUser, signIn, uniqueEmail } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

// The invitation budgets on the database store: its limiter needs a connection of its own, which on
// SQLite waits for any open transaction, so they must be spent outside the invitation's transaction.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ RATE_LIMIT_STORE: 'database' });
});
afterAll(() => server.close());

it('invites a member with the rate limits on the database store', async () => {
  const owner = await createActiveUser(server);
  const { accessToken } = await signIn(server, owner.email);
  const org = await server.gql<{ createOrganization: { id: string } }>(
    `mutation { createOrganization(name: "Store Test") { id } }`,
    {},
    { token: accessToken },
  );
  expect(org.errors).toBeUndefined();
  const invited = await server.gql(
    `mutation ($o: ID!, $e: String!) { inviteMember(orgId: $o, email: $e) { id email role } }`,
    { o: org.data!.createOrganization.id, e: uniqueEmail('invitee') },
    { token: accessToken },
  );
  expect(invited.errors).toBeUndefined();
  expect(invited.data!.inviteMember).toMatchObject({ role: 'MEMBER' });
}, 15_000);
