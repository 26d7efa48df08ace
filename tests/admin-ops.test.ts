import { transaction } from '../src/database/unit-of-work';
import { SecurityEventType } from '../src/events/security-events';
import { OutboxMail } from '../src/mail/outbox.entity';
import { Role } from '../src/users/role';
import {
  CHANGE_PASSWORD,
  codeOf,
  createActiveUser,
  ME,
  PASSWORD,
  REFRESH,
  SIGN_IN,
  signIn,
  sleep,
  uniqueEmail,
} from './helpers/flows';
import { createAdmin } from './helpers/admin';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  // Security behaviour: checked the way it runs in front of a network.
  server = await startTestServer({ NODE_ENV: 'production', BCRYPT_COST: '10' });
});
afterAll(() => server.close());

const USER_FIELDS = 'id email role isActive disabled';
const USER = `query ($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`;
const SEARCH = `query ($query: String, $limit: Int, $offset: Int) {
  searchUsers(query: $query, limit: $limit, offset: $offset) { total items { ${USER_FIELDS} } }
}`;
const SET_ROLE = `mutation ($id: ID!, $role: Role!) { setUserRole(id: $id, role: $role) { ${USER_FIELDS} } }`;
const DISABLE = `mutation ($id: ID!) { disableUser(id: $id) { ${USER_FIELDS} } }`;
const ENABLE = `mutation ($id: ID!) { enableUser(id: $id) { ${USER_FIELDS} } }`;
const REVOKE_ALL = `mutation ($id: ID!) { revokeUserSessions(id: $id) }`;
const USER_EVENTS = `query ($userId: ID!, $limit: Int, $before: ID) {
  userSecurityEvents(userId: $userId, limit: $limit, before: $before) { id type at ip userAgent method actorId }
}`;
const SESSIONS = `{ sessions { id } }`;

/** The admin operations must never leave this file's server without an admin of its own. */
async function userEvents(adminToken: string, userId: string) {
  const res = await server.gql(USER_EVENTS, { userId }, { token: adminToken });
  expect(res.errors).toBeUndefined();
  return res.data!.userSecurityEvents as Array<Record<string, string | null>>;
}

describe('admin operations', () => {
  it('are FORBIDDEN to a USER and UNAUTHENTICATED without a token', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const calls: Array<[string, Record<string, unknown>]> = [
      [USER, { id: user.id }],
      [SEARCH, {}],
      [SET_ROLE, { id: user.id, role: 'ADMIN' }],
      [DISABLE, { id: user.id }],
      [ENABLE, { id: user.id }],
      [REVOKE_ALL, { id: user.id }],
      [USER_EVENTS, { userId: user.id }],
    ];
    for (const [query, variables] of calls) {
      expect(codeOf(await server.gql(query, variables, { token: accessToken }))).toBe('FORBIDDEN');
      expect(codeOf(await server.gql(query, variables))).toBe('UNAUTHENTICATED');
    }
    // The USER's own attempt to promote themself changed nothing.
    expect((await signIn(server, user.email)).user.role).toBe('USER');
  });

  it('finds users by email substring with a total, pages them, and reads one by id', async () => {
    const admin = await createAdmin(server);
    const tag = `needle${Date.now().toString(36)}`;
    const found = [];
    for (let i = 0; i < 3; i++) found.push(await createActiveUser(server, uniqueEmail(tag)));
    const page1 = await server.gql(
      SEARCH,
      { query: tag.toUpperCase(), limit: 2 },
      { token: admin.token },
    );
    expect(page1.errors).toBeUndefined();
    expect(page1.data!.searchUsers.total).toBe(3);
    expect(page1.data!.searchUsers.items.map((u: { id: string }) => u.id)).toEqual(
      found.slice(0, 2).map((u) => u.id),
    );
    const page2 = await server.gql(
      SEARCH,
      { query: tag, limit: 2, offset: 2 },
      { token: admin.token },
    );
    expect(page2.data!.searchUsers).toEqual({
      total: 3,
      items: [
        { id: found[2]!.id, email: found[2]!.email, role: 'USER', isActive: true, disabled: false },
      ],
    });
    // LIKE wildcards in the query match themselves only.
    const wild = await server.gql(SEARCH, { query: '%' }, { token: admin.token });
    expect(wild.data!.searchUsers).toEqual({ total: 0, items: [] });
    const all = await server.gql(SEARCH, {}, { token: admin.token });
    expect(all.data!.searchUsers.total).toBeGreaterThanOrEqual(4);
    for (const bad of [{ limit: 0 }, { limit: 101 }, { offset: -1 }, { query: 'x'.repeat(300) }]) {
      expect(codeOf(await server.gql(SEARCH, bad, { token: admin.token }))).toBe('BAD_USER_INPUT');
    }

    const one = await server.gql(USER, { id: found[0]!.id }, { token: admin.token });
    expect(one.data!.user).toMatchObject({ id: found[0]!.id, email: found[0]!.email });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const none = await server.gql(USER, { id }, { token: admin.token });
      expect(none.errors).toBeUndefined();
      expect(none.data!.user).toBeNull();
    }
  });

  it('disables an account everywhere (sign-in, refresh, every protected field) and enables it again', async () => {
    const admin = await createAdmin(server);
    const target = await createActiveUser(server);
    const tokens = await signIn(server, target.email);
    // In use: the session is held live in this process's cache, which disabling must end too.
    expect((await server.gql(ME, {}, { token: tokens.accessToken })).errors).toBeUndefined();

    const disabled = await server.gql(DISABLE, { id: target.id }, { token: admin.token });
    expect(disabled.errors).toBeUndefined();
    expect(disabled.data!.disableUser).toMatchObject({ id: target.id, disabled: true });

    // A token minted before: its session was ended with the account, and it says why.
    for (const query of [ME, SESSIONS]) {
      expect(codeOf(await server.gql(query, {}, { token: tokens.accessToken }))).toBe(
        'ACCOUNT_DISABLED',
      );
    }
    expect(codeOf(await server.gql(REFRESH, { refreshToken: tokens.refreshToken }))).toBe(
      'ACCOUNT_DISABLED',
    );
    expect(codeOf(await server.gql(SIGN_IN, { email: target.email, password: PASSWORD }))).toBe(
      'ACCOUNT_DISABLED',
    );
    // A wrong password says nothing about the account's state.
    expect(
      codeOf(await server.gql(SIGN_IN, { email: target.email, password: 'wrong password 123' })),
    ).toBe('UNAUTHENTICATED');
    // A refresh token nobody holds learns nothing either.
    const [sessionId] = tokens.refreshToken.split('.');
    const forged = `${sessionId}.${'A'.repeat(43)}`;
    expect(codeOf(await server.gql(REFRESH, { refreshToken: forged }))).toBe('INVALID_TOKEN');

    const read = await server.gql(USER, { id: target.id }, { token: admin.token });
    expect(read.data!.user.disabled).toBe(true);

    const enabled = await server.gql(ENABLE, { id: target.id }, { token: admin.token });
    expect(enabled.data!.enableUser).toMatchObject({ id: target.id, disabled: false });
    const again = await signIn(server, target.email);
    const me = await server.gql(ME, {}, { token: again.accessToken });
    expect(me.data!.me).toMatchObject({ id: target.id });
    // The old session stays ended.
    expect(codeOf(await server.gql(ME, {}, { token: tokens.accessToken }))).toBe('UNAUTHENTICATED');

    const events = await userEvents(admin.token, target.id);
    expect(events.slice(0, 4).map((e) => e.type)).toEqual([
      'signed_in',
      'enabled',
      'sign_in_failed',
      'disabled',
    ]);
    expect(events[1]).toMatchObject({ actorId: admin.id, ip: '127.0.0.1' });
    expect(events[3]).toMatchObject({ actorId: admin.id });
  });

  it('changes a role: the old sessions end, the next sign-in carries the new role', async () => {
    const admin = await createAdmin(server);
    const target = await createActiveUser(server);
    const before = await signIn(server, target.email);
    expect((await server.gql(ME, {}, { token: before.accessToken })).errors).toBeUndefined();
    const res = await server.gql(
      SET_ROLE,
      { id: target.id, role: 'ADMIN' },
      { token: admin.token },
    );
    expect(res.data!.setUserRole).toMatchObject({ id: target.id, role: 'ADMIN' });
    expect(codeOf(await server.gql(ME, {}, { token: before.accessToken }))).toBe('UNAUTHENTICATED');
    const after = await signIn(server, target.email);
    expect(after.user.role).toBe('ADMIN');
    expect(codeOf(await server.gql(SEARCH, {}, { token: after.accessToken }))).toBeUndefined();
    const [changed] = (await userEvents(admin.token, target.id)).filter(
      (e) => e.type === 'role_changed',
    );
    expect(changed).toMatchObject({ actorId: admin.id });
    expect(
      codeOf(await server.gql(SET_ROLE, { id: 'nope', role: 'USER' }, { token: admin.token })),
    ).toBe('BAD_USER_INPUT');
  });

  it('revokes every session of a user', async () => {
    const admin = await createAdmin(server);
    const target = await createActiveUser(server);
    const a = await signIn(server, target.email);
    const b = await signIn(server, target.email);
    // Both in use: held live in this process's cache, which the revocation must end too.
    for (const t of [a, b])
      expect((await server.gql(ME, {}, { token: t.accessToken })).errors).toBeUndefined();
    const res = await server.gql(REVOKE_ALL, { id: target.id }, { token: admin.token });
    expect(res.data).toEqual({ revokeUserSessions: true });
    for (const t of [a, b]) {
      expect(codeOf(await server.gql(ME, {}, { token: t.accessToken }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await server.gql(REFRESH, { refreshToken: t.refreshToken }))).toBe(
        'INVALID_TOKEN',
      );
    }
    const [revoked] = await userEvents(admin.token, target.id);
    expect(revoked).toMatchObject({ type: 'session_revoked', actorId: admin.id });
  });
});

describe('the last administrator', () => {
  it('cannot demote or disable themself while no other admin is enabled; two admins demoting each other leave one', async () => {
    // A server of its own: the count of admins is the point.
    const own = await startTestServer();
    try {
      const make = async () => {
        const user = await createActiveUser(own);
        await own.app.services.admin.setRoleByEmail(own.app.orm.em.fork(), user.email, Role.ADMIN);
        return { ...user, token: (await signIn(own, user.email)).accessToken };
      };
      const a = await make();
      for (const [query, variables] of [
        [SET_ROLE, { id: a.id, role: 'USER' }],
        [DISABLE, { id: a.id }],
      ] as const) {
        const res = await own.gql(query, variables, { token: a.token });
        expect(codeOf(res)).toBe('BAD_USER_INPUT');
        expect(res.errors![0]!.message).toMatch(/no enabled administrator/);
      }
      expect(codeOf(await own.gql(ME, {}, { token: a.token }))).toBeUndefined();

      const b = await make();
      // Each demotes the other at the same moment. Over HTTP the loser may already be signed out, so
      // the guard itself is raced: through the service both requests are in flight together.
      const { admin } = own.app.services;
      const client = { ip: null, userAgent: null };
      const results = await Promise.allSettled([
        admin.setRole(own.app.orm.em.fork(), { userId: a.id, client }, b.id, Role.USER),
        admin.setRole(own.app.orm.em.fork(), { userId: b.id, client }, a.id, Role.USER),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(codeOf({ errors: [refused.reason] })).toBe('BAD_USER_INPUT');
      const roles = await Promise.all(
        [a, b].map(async (u) => (await signIn(own, u.email)).user.role),
      );
      expect(roles.sort()).toEqual(['ADMIN', 'USER']);
    } finally {
      await own.close();
    }
  });
});

describe('security events', () => {
  const EVENTS = `query ($limit: Int, $before: ID) {
    securityEvents(limit: $limit, before: $before) { id type at ip userAgent method actorId }
  }`;

  it('records the account history with IP and user agent, newest first, paged with before', async () => {
    const user = await createActiveUser(server);
    const failed = await server.gql(SIGN_IN, { email: user.email, password: 'not the password 1' });
    expect(codeOf(failed)).toBe('UNAUTHENTICATED');
    const agent = { 'user-agent': 'events-test/1.0' };
    const first = await server.gql(
      SIGN_IN,
      { email: user.email, password: PASSWORD },
      { headers: agent },
    );
    const token = (first.data as any).signIn.accessToken as string;
    const changed = await server.gql(
      CHANGE_PASSWORD,
      { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 42' },
      { token },
    );
    expect(changed.errors).toBeUndefined();

    const all = await server.gql(EVENTS, {}, { token });
    expect(all.errors).toBeUndefined();
    const events = all.data!.securityEvents as Array<Record<string, string | null>>;
    expect(events.map((e) => e.type)).toEqual([
      'password_changed',
      'signed_in',
      'sign_in_failed',
      'activated',
      'signed_up',
    ]);
    expect(events[1]).toMatchObject({
      method: 'PASSWORD',
      ip: '127.0.0.1',
      userAgent: 'events-test/1.0',
      actorId: null,
    });
    expect(events[2]).toMatchObject({ method: 'PASSWORD' });

    // Keyset pages of 2: the same events, in the same order, none twice.
    const paged: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await server.gql(EVENTS, { limit: 2, before }, { token });
      const items = page.data!.securityEvents as Array<{ id: string }>;
      paged.push(...items.map((e) => e.id));
      if (items.length < 2) break;
      before = items[items.length - 1]!.id;
    }
    expect(paged).toEqual(events.map((e) => e.id));

    // Another account's event id is no cursor here.
    const other = await createActiveUser(server);
    const otherToken = (await signIn(server, other.email)).accessToken;
    const otherEvents = await server.gql(EVENTS, {}, { token: otherToken });
    const foreign = (otherEvents.data!.securityEvents as Array<{ id: string }>)[0]!.id;
    expect(codeOf(await server.gql(EVENTS, { before: foreign }, { token }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(EVENTS, { limit: 500 }, { token }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(EVENTS, {}))).toBe('UNAUTHENTICATED');
  });

  it('are written in the unit of work: a rolled-back change leaves no event', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    const { events } = server.app.services;
    const failure = transaction(server.app.orm.em.fork(), async (uow) => {
      await events.record(uow, {
        type: SecurityEventType.PASSWORD_CHANGED,
        userId: user.id,
        ip: null,
        userAgent: null,
      });
      throw new Error('the change failed after its event was recorded');
    });
    await expect(failure).rejects.toThrow('the change failed');
    const listed = await server.gql(EVENTS, {}, { token: accessToken });
    expect((listed.data!.securityEvents as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'signed_in',
      'activated',
      'signed_up',
    ]);
  });

  it('keeps the deletion of an account for admins, and records sign-out', async () => {
    const admin = await createAdmin(server);
    const user = await createActiveUser(server);
    const a = await signIn(server, user.email);
    const out = await server.gql(`mutation { signOut }`, {}, { token: a.accessToken });
    expect(out.data).toEqual({ signOut: true });
    const b = await signIn(server, user.email);
    const del = await server.gql(
      `mutation ($password: String!) { deleteAccount(password: $password) }`,
      { password: PASSWORD },
      { token: b.accessToken },
    );
    expect(del.data).toEqual({ deleteAccount: true });
    const types = (await userEvents(admin.token, user.id)).map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['deleted', 'signed_in', 'session_revoked', 'signed_in']);
  });

  it('queue no webhook rows when WEBHOOK_URL is unset', async () => {
    const rows = await server.app.orm.em.fork().find(OutboxMail, { kind: 'webhook' });
    // By now this file's server made users, changed roles, disabled and deleted accounts.
    expect(rows).toEqual([]);
  });

  it('are deleted by housekeeping once older than SECURITY_EVENT_TTL', async () => {
    const own = await startTestServer({ SECURITY_EVENT_TTL: '3s', HOUSEKEEPING_INTERVAL: '1s' });
    try {
      const user = await createActiveUser(own);
      const old = await signIn(own, user.email);
      const types = async (token: string) =>
        (
          (await own.gql(EVENTS, {}, { token })).data!.securityEvents as Array<{ type: string }>
        ).map((e) => e.type);
      expect(await types(old.accessToken)).toEqual(['signed_in', 'activated', 'signed_up']);
      await sleep(3500);
      const fresh = await signIn(own, user.email);
      // The next housekeeping run takes the three old events and leaves the fresh sign-in.
      const deadline = Date.now() + 8000;
      let seen = await types(fresh.accessToken);
      while (seen.length > 1 && Date.now() < deadline) {
        await sleep(250);
        seen = await types(fresh.accessToken);
      }
      expect(seen).toEqual(['signed_in']);
    } finally {
      await own.close();
    }
  });
});

describe("a user's ways in, as administrators see them", () => {
  const ACCESS = `query ($id: ID!) {
    user(id: $id) { sessions { id current userAgent } linkedAccounts { provider } passkeyCount }
  }`;

  it('lists the live sessions, linked providers and passkey count; FORBIDDEN to the user', async () => {
    const admin = await createAdmin(server, 'access-admin');
    const user = await createActiveUser(server, uniqueEmail('access-user'));
    const first = await signIn(server, user.email);
    await signIn(server, user.email);
    const ended = await server.gql(`mutation { signOut }`, {}, { token: first.accessToken });
    expect(ended.errors).toBeUndefined();

    const res = await server.gql(ACCESS, { id: user.id }, { token: admin.token });
    expect(res.errors).toBeUndefined();
    // The signed-out session is gone; the other one is live, and not the admin's own.
    expect(res.data!.user).toEqual({
      sessions: [{ id: expect.any(String), current: false, userAgent: 'node' }],
      linkedAccounts: [],
      passkeyCount: 0,
    });

    // Through their own `me`, a USER reads none of it (they have sessions, linkedAccounts, passkeys).
    const { accessToken } = await signIn(server, user.email);
    for (const field of ['sessions { id }', 'linkedAccounts { provider }', 'passkeyCount']) {
      const own = await server.gql(`{ me { ${field} } }`, {}, { token: accessToken });
      expect(codeOf(own)).toBe('FORBIDDEN');
    }
  });
});
