import {
  codeOf,
  createActiveUser,
  REFRESH,
  PASSWORD,
  REQUEST_RESET,
  signIn,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import { Role } from '../src/users/role';
import { User } from '../src/users/user.entity';
import { startTestServer, type TestServer } from './helpers/server';

// Above the 16 switch points once kept, below the per-session switch limit set here.
const SWITCHES = 20;
const SWITCH_LIMIT = 24;
const REUSE_SUBJECT = 'A sign-in session was ended for your safety';
// Mails per address per hour (sign-up, reset and, now, invitations share it); each account's sign-up takes one.
const MAILS_PER_ADDRESS = 3;
const INVITES_PER_USER = 5;
const ORGS_PER_USER = 2;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    MAIL_POLL_INTERVAL: '100ms',
    RATE_LIMIT_ORG_SWITCHES_PER_SESSION: String(SWITCH_LIMIT),
    RATE_LIMIT_EMAIL_PER_ADDRESS: String(MAILS_PER_ADDRESS),
    RATE_LIMIT_INVITES_PER_USER: String(INVITES_PER_USER),
    RATE_LIMIT_ORGS_PER_USER: String(ORGS_PER_USER),
  });
});
afterAll(() => server.close());

const CREATE = `mutation ($name: String!) { createOrganization(name: $name) { id } }`;
const INVITE = `mutation ($orgId: ID!, $email: String!, $role: OrgRole) {
  inviteMember(orgId: $orgId, email: $email, role: $role) { id email role }
}`;
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

/** An account with an organization of its own. */
async function owner(label = 'owner') {
  const who = await account(label);
  const { id } = (await ok(CREATE, { name: `${label} Inc` }, who.tokens.accessToken))
    .createOrganization;
  return { ...who, orgId: id as string };
}

const inviteAs = (who: Account & { orgId: string }, email: string, orgId = who.orgId) =>
  server.gql(INVITE, { orgId, email }, { token: who.tokens.accessToken });

describe('invitation mail budgets', () => {
  it('an invitation mail counts against the invited address: several organizations cannot flood it', async () => {
    const inviters = [await owner('a'), await owner('b'), await owner('c')];
    const victim = uniqueEmail('victim');
    for (const inviter of inviters)
      expect((await inviteAs(inviter, victim)).errors).toBeUndefined();
    await server.inbox.waitFor(victim, MAILS_PER_ADDRESS);
    const refused = await inviteAs(inviters[0]!, victim);
    expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
    expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(server.inbox.for(victim)).toHaveLength(MAILS_PER_ADDRESS);
  });

  it('answers the same for an address with an account as for one without', async () => {
    const inviters = [await owner('d'), await owner('e'), await owner('f')];
    const registered = (await account('registered')).email; // its sign-up took one mail
    const unknown = uniqueEmail('unknown');
    // A reset request for an unknown address mails nothing but takes one of its budget likewise.
    expect((await server.gql(REQUEST_RESET, { email: unknown })).errors).toBeUndefined();
    const answers = async (email: string) => {
      const codes = [];
      for (const inviter of inviters) codes.push(codeOf(await inviteAs(inviter, email)) ?? 'OK');
      return codes;
    };
    const forRegistered = await answers(registered);
    expect(forRegistered).toEqual(['OK', 'OK', 'TOO_MANY_REQUESTS']);
    expect(await answers(unknown)).toEqual(forRegistered);
  });

  it('one user’s invitations across all their organizations share a daily budget', async () => {
    const inviter = await owner('bulk');
    const second = (await ok(CREATE, { name: 'Bulk Two' }, inviter.tokens.accessToken))
      .createOrganization.id as string;
    for (let i = 0; i < INVITES_PER_USER; i++) {
      const orgId = i % 2 === 0 ? inviter.orgId : second;
      expect((await inviteAs(inviter, uniqueEmail('bulk-to'), orgId)).errors).toBeUndefined();
    }
    const refused = await inviteAs(inviter, uniqueEmail('bulk-to'), second);
    expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
    expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
  });

  it('one user may create RATE_LIMIT_ORGS_PER_USER organizations a day', async () => {
    const maker = await account('maker');
    for (let i = 0; i < ORGS_PER_USER; i++)
      await ok(CREATE, { name: `Maker ${i}` }, maker.tokens.accessToken);
    const refused = await server.gql(
      CREATE,
      { name: 'One too many' },
      {
        token: maker.tokens.accessToken,
      },
    );
    expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
    expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    // Another user is not affected.
    await owner('other-maker');
  });
});

const ACCEPT = `mutation ($id: ID!) { acceptInvitation(id: $id) { id viewerRole } }`;

/** Invites `email` with `role` as `by`, and returns the invitation id read from the mail that arrives. */
async function invitationTo(by: Account, orgId: string, email: string, role = 'MEMBER') {
  const before = server.inbox.for(email).length;
  await ok(INVITE, { orgId, email, role }, by.tokens.accessToken);
  const mail = await server.inbox.waitFor(email, before + 1);
  const match = mail.text.match(/http:\/\/app\.test\/invitations\/([0-9a-f-]{36})/);
  if (!match) throw new Error(`no invitation link in: ${mail.text}`);
  return match[1]!;
}

async function join(by: Account, orgId: string, member: Account, role = 'MEMBER') {
  const id = await invitationTo(by, orgId, member.email, role);
  await ok(ACCEPT, { id }, member.tokens.accessToken);
}

const MEMBERS = (fields: string) =>
  `query ($orgId: ID!) { orgMembers(orgId: $orgId) { user { ${fields} } role } }`;

describe('orgMembers as a fellow member sees it', () => {
  it('shows id, email and createdAt of others, and refuses their role, disabled, mfaEnabled and isActive', async () => {
    const boss = await owner('boss');
    const member = await account('peer');
    await join(boss, boss.orgId, member);
    const seen = (
      await ok(MEMBERS('id email createdAt'), { orgId: boss.orgId }, member.tokens.accessToken)
    ).orgMembers as Array<{ user: { id: string; email: string; createdAt: string } }>;
    expect(seen.map((m) => m.user.email).sort()).toEqual([boss.email, member.email].sort());
    expect(seen.every((m) => typeof m.user.createdAt === 'string')).toBe(true);
    for (const field of ['role', 'disabled', 'mfaEnabled', 'isActive']) {
      const res = await server.gql(
        MEMBERS(`id ${field}`),
        { orgId: boss.orgId },
        { token: member.tokens.accessToken },
      );
      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(JSON.stringify(res)).not.toContain('"USER"');
    }
  });

  it('shows those fields of the viewer themself, and all of them to a site ADMIN', async () => {
    const alone = await owner('alone');
    const mine = (
      await ok(
        MEMBERS('id role disabled mfaEnabled isActive'),
        { orgId: alone.orgId },
        alone.tokens.accessToken,
      )
    ).orgMembers;
    expect(mine).toEqual([
      {
        user: { id: alone.id, role: 'USER', disabled: false, mfaEnabled: false, isActive: true },
        role: 'OWNER',
      },
    ]);

    const admin = await account('site-admin');
    await server.app.orm.em.fork().nativeUpdate(User, { id: admin.id }, { role: Role.ADMIN });
    const adminTokens = await signIn(server, admin.email);
    expect(adminTokens.user.role).toBe('ADMIN');
    await join(alone, alone.orgId, { ...admin, tokens: adminTokens });
    const all = (
      await ok(
        MEMBERS('id role disabled mfaEnabled isActive'),
        { orgId: alone.orgId },
        adminTokens.accessToken,
      )
    ).orgMembers as Array<{ user: { id: string; role: string } }>;
    expect(all.map((m) => m.user.role).sort()).toEqual(['ADMIN', 'USER']);
  });
});

const REMOVE = `mutation ($orgId: ID!, $userId: ID!) { removeMember(orgId: $orgId, userId: $userId) }`;
const LEAVE = `mutation ($orgId: ID!) { leaveOrganization(orgId: $orgId) }`;
const SET_ROLE = `mutation ($orgId: ID!, $userId: ID!, $role: OrgRole!) {
  setMemberRole(orgId: $orgId, userId: $userId, role: $role) { role }
}`;

describe('invitations of an ADMIN who loses the role', () => {
  const cases: Array<
    [string, (boss: Account & { orgId: string }, admin: Account) => Promise<unknown>]
  > = [
    [
      'is removed',
      (boss, admin) => ok(REMOVE, { orgId: boss.orgId, userId: admin.id }, boss.tokens.accessToken),
    ],
    ['leaves', (boss, admin) => ok(LEAVE, { orgId: boss.orgId }, admin.tokens.accessToken)],
    [
      'is demoted to MEMBER',
      (boss, admin) =>
        ok(
          SET_ROLE,
          { orgId: boss.orgId, userId: admin.id, role: 'MEMBER' },
          boss.tokens.accessToken,
        ),
    ],
  ];
  it.each(cases)('are revoked when the ADMIN %s', async (_, loses) => {
    const boss = await owner('boss');
    const admin = await account('admin');
    await join(boss, boss.orgId, admin, 'ADMIN');
    const alt = await account('alt');
    const id = await invitationTo(admin, boss.orgId, alt.email, 'ADMIN');
    // Someone else's invitation is not the ADMIN's: it stays.
    const friend = await account('friend');
    const kept = await invitationTo(boss, boss.orgId, friend.email);
    await loses(boss, admin);
    expect(codeOf(await server.gql(ACCEPT, { id }, { token: alt.tokens.accessToken }))).toBe(
      'INVALID_TOKEN',
    );
    await ok(ACCEPT, { id: kept }, friend.tokens.accessToken);
  });
});

describe('organization names', () => {
  it.each([
    ['right-to-left override', '\u202E'],
    ['zero-width space', '\u200B'],
    ['byte order mark', '\uFEFF'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
  ])('refuses a %s inside the name', async (_, char) => {
    const maker = await account('names');
    const res = await server.gql(
      CREATE,
      { name: `Ac${char}me` },
      {
        token: maker.tokens.accessToken,
      },
    );
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  });
});

// Interleavings that only a second connection can force: the test holds row locks in a transaction of
// its own, waits until the server's request is blocked on them (pg_stat_activity), makes the concurrent
// change and commits. SQLite runs one write transaction at a time, so these orders cannot arise there.
const postgresOnly = process.env.AUTHQL_TEST_POSTGRES ? describe : describe.skip;

/** A transaction of the test's own on another connection: `sql` runs in it until `commit`. */
async function heldTransaction() {
  const em = server.app.orm.em.fork();
  await em.begin();
  return {
    sql: (query: string, params: unknown[] = []) =>
      em.getConnection().execute(query, params, 'all', em.getTransactionContext()),
    commit: () => em.commit(),
    rollback: () => em.rollback(),
  };
}

/** Resolves once some connection of this database waits for a row lock (the server's request). */
async function someoneWaitsForALock(): Promise<void> {
  const em = server.app.orm.em.fork();
  for (let i = 0; i < 500; i++) {
    const rows: unknown[] = await em
      .getConnection()
      .execute(
        "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
    if (rows.length > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('no request ever waited for the lock');
}

const MEMBER_ROLES = `query ($orgId: ID!) { orgMembers(orgId: $orgId) { user { id } role } }`;
const DELETE_ACCOUNT = `mutation ($password: String!) { deleteAccount(password: $password) }`;

postgresOnly('under concurrency (PostgreSQL)', () => {
  it('acceptInvitation gives the role the invitation has when it is accepted, not when it was first read', async () => {
    const boss = await owner('renewer');
    const alt = await account('accepter');
    const id = await invitationTo(boss, boss.orgId, alt.email, 'MEMBER');
    const held = await heldTransaction();
    let accepted: Promise<{ errors?: unknown }>;
    try {
      // What inviteMember's renewal holds: the organization's lock.
      await held.sql('select 1 from organizations where id = ? for update', [boss.orgId]);
      accepted = server.gql(ACCEPT, { id }, { token: alt.tokens.accessToken });
      await someoneWaitsForALock();
      // The renewal: same id, new role.
      await held.sql('update invitations set role = ? where id = ?', ['ADMIN', id]);
      await held.commit();
    } catch (err) {
      await held.rollback();
      throw err;
    }
    expect((await accepted).errors).toBeUndefined();
    const members = (await ok(MEMBER_ROLES, { orgId: boss.orgId }, boss.tokens.accessToken))
      .orgMembers as Array<{ user: { id: string }; role: string }>;
    expect(members.find((m) => m.user.id === alt.id)?.role).toBe('ADMIN');
  });

  it('deleteAccount of an ADMIN promoted to OWNER meanwhile, whose owner then left, is refused: the organization keeps an owner', async () => {
    const boss = await owner('leaver');
    const admin = await account('deleter');
    const member = await account('stayer');
    await join(boss, boss.orgId, admin, 'ADMIN');
    await join(boss, boss.orgId, member);
    const held = await heldTransaction();
    let deleted: Promise<{ errors?: Array<{ extensions?: Record<string, unknown> }> }>;
    try {
      // What setMemberRole and leaveOrganization hold, and the rows they change.
      await held.sql('select 1 from organizations where id = ? for update', [boss.orgId]);
      await held.sql('select 1 from memberships where organization_id = ? for update', [
        boss.orgId,
      ]);
      deleted = server.gql(
        DELETE_ACCOUNT,
        { password: PASSWORD },
        { token: admin.tokens.accessToken },
      );
      await someoneWaitsForALock();
      await held.sql('update memberships set role = ? where organization_id = ? and user_id = ?', [
        'OWNER',
        boss.orgId,
        admin.id,
      ]);
      await held.sql('delete from memberships where organization_id = ? and user_id = ?', [
        boss.orgId,
        boss.id,
      ]);
      await held.commit();
    } catch (err) {
      await held.rollback();
      throw err;
    }
    expect(codeOf(await deleted)).toBe('FORBIDDEN');
    const owners: unknown[] = await server.app.orm.em
      .fork()
      .getConnection()
      .execute("select 1 from memberships where organization_id = ? and role = 'OWNER'", [
        boss.orgId,
      ]);
    expect(owners).toHaveLength(1);
  });
});
