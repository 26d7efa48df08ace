import {
  codeOf,
  createActiveUser,
  REFRESH,
  signIn,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

// Above the 16 switch points once kept, below the per-session switch limit set here.
const SWITCHES = 20;
const SWITCH_LIMIT = 24;
const REUSE_SUBJECT = 'A sign-in session was ended for your safety';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    MAIL_POLL_INTERVAL: '100ms',
    RATE_LIMIT_ORG_SWITCHES_PER_SESSION: String(SWITCH_LIMIT),
  });
});
afterAll(() => server.close());

const CREATE = `mutation ($name: String!) { createOrganization(name: $name) { id } }`;
const SWITCH = `mutation ($orgId: ID) {
  switchOrganization(orgId: $orgId) { accessToken refreshToken expiresIn user { id } }
}`;

interface Account {
  id: string;
  email: string;
  tokens: Tokens;
}

async function account(label = 'member'): Promise<Account> {
  const { id, email } = await createActiveUser(server, uniqueEmail(label));
  return { id, email, tokens: await signIn(server, email) };
}

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string) {
  const res = await server.gql<T>(query, variables, { token });
  expect(res.errors).toBeUndefined();
  return res.data as T;
}

const refresh = (refreshToken: string) =>
  server.gql<{ refreshToken: Tokens }>(REFRESH, { refreshToken });

describe('switchOrganization by an access-token holder', () => {
  it('cannot out-switch reuse detection: the owner’s next refresh ends the session and mails them', async () => {
    const owner = await account('owner');
    const { id: orgId } = (await ok(CREATE, { name: 'Switchy' }, owner.tokens.accessToken))
      .createOrganization;
    // The thief holds only the access token, and switches back and forth with it.
    let newest: Tokens | null = null;
    for (let i = 0; i < SWITCHES; i++) {
      const data = await ok<{ switchOrganization: Tokens }>(
        SWITCH,
        { orgId: i % 2 === 0 ? orgId : null },
        owner.tokens.accessToken,
      );
      newest = data.switchOrganization;
    }
    const mailsBefore = server.inbox.for(owner.email).length;

    expect(codeOf(await refresh(owner.tokens.refreshToken))).toBe('INVALID_TOKEN');
    const mail = await server.inbox.waitFor(owner.email, mailsBefore + 1);
    expect(mail.subject).toBe(REUSE_SUBJECT);
    // The session ended: the thief's newest pair is worthless too.
    expect(codeOf(await refresh(newest!.refreshToken))).toBe('INVALID_TOKEN');
  });

  it('is limited per session: TOO_MANY_REQUESTS with retryAfter, other sessions unaffected', async () => {
    const owner = await account('switcher');
    const { id: orgId } = (await ok(CREATE, { name: 'Limited' }, owner.tokens.accessToken))
      .createOrganization;
    for (let i = 0; i < SWITCH_LIMIT; i++)
      await ok(SWITCH, { orgId: i % 2 === 0 ? orgId : null }, owner.tokens.accessToken);
    const refused = await server.gql(SWITCH, { orgId }, { token: owner.tokens.accessToken });
    expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
    expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    const other = await signIn(server, owner.email);
    await ok(SWITCH, { orgId }, other.accessToken);
  });
});
