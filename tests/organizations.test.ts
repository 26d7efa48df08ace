import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { buildSchema, graphql } from 'graphql';
import { createContextBuilder } from '../src/context';
import { applyAuthDirective } from '../src/directives/auth.directive';
import { HousekeepingLease } from '../src/housekeeping/housekeeping-lease.entity';
import { Invitation } from '../src/organizations/organization.entity';
import { Session } from '../src/sessions/session.entity';
import { User } from '../src/users/user.entity';
import {
  codeOf,
  createActiveUser,
  DELETE_ACCOUNT,
  PASSWORD,
  REFRESH,
  signIn,
  SIGN_UP,
  uniqueEmail,
  type Tokens,
} from './helpers/flows';
import type { ReceivedMail } from './helpers/inbox';
import { APP_URL, startTestServer, type TestServer } from './helpers/server';
import { WebhookReceiver, type Delivery } from './helpers/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
// Small, so one test can reach it; every other test invites at most this many times per organization.
const INVITES_PER_ORG = 4;
let receiver: WebhookReceiver;
let server: TestServer;

beforeAll(async () => {
  receiver = await new WebhookReceiver(SECRET).start();
  server = await startTestServer({
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    MAIL_POLL_INTERVAL: '100ms',
    RATE_LIMIT_INVITES_PER_ORG: String(INVITES_PER_ORG),
  });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const ORG_FIELDS = 'id name slug createdAt viewerRole';
const CREATE = `mutation ($name: String!, $slug: String) {
  createOrganization(name: $name, slug: $slug) { ${ORG_FIELDS} }
}`;
const UPDATE = `mutation ($id: ID!, $name: String, $slug: String) {
  updateOrganization(id: $id, name: $name, slug: $slug) { ${ORG_FIELDS} }
}`;
const DELETE = `mutation ($id: ID!) { deleteOrganization(id: $id) }`;
const ORGANIZATIONS = `{ organizations { ${ORG_FIELDS} } }`;
const ORGANIZATION = `query ($id: ID!) { organization(id: $id) { ${ORG_FIELDS} } }`;
const MEMBERS = `query ($orgId: ID!) { orgMembers(orgId: $orgId) { user { id email } role joinedAt } }`;
const INVITATION_FIELDS = `id email role expiresAt organization { id name viewerRole }`;
const INVITE = `mutation ($orgId: ID!, $email: String!, $role: OrgRole) {
  inviteMember(orgId: $orgId, email: $email, role: $role) { ${INVITATION_FIELDS} }
}`;
const ORG_INVITATIONS = `query ($orgId: ID!) { orgInvitations(orgId: $orgId) { ${INVITATION_FIELDS} } }`;
const MY_INVITATIONS = `{ myInvitations { ${INVITATION_FIELDS} } }`;
const ACCEPT = `mutation ($id: ID!) { acceptInvitation(id: $id) { ${ORG_FIELDS} } }`;
const DECLINE = `mutation ($id: ID!) { declineInvitation(id: $id) }`;
const REVOKE = `mutation ($id: ID!) { revokeInvitation(id: $id) }`;
const SET_ROLE = `mutation ($orgId: ID!, $userId: ID!, $role: OrgRole!) {
  setMemberRole(orgId: $orgId, userId: $userId, role: $role) { user { id } role }
}`;
const REMOVE = `mutation ($orgId: ID!, $userId: ID!) { removeMember(orgId: $orgId, userId: $userId) }`;
const LEAVE = `mutation ($orgId: ID!) { leaveOrganization(orgId: $orgId) }`;
const SWITCH = `mutation ($orgId: ID) {
  switchOrganization(orgId: $orgId) { accessToken refreshToken expiresIn user { id email } }
}`;
const EVENTS = `{ securityEvents { type } }`;

interface Account {
  id: string;
  email: string;
  token: string;
  tokens: Tokens;
}

/** An active, signed-in account (its address verified by the activation mail). */
async function account(label = 'member'): Promise<Account> {
  const { id, email } = await createActiveUser(server, uniqueEmail(label));
  const tokens = await signIn(server, email);
  return { id, email, token: tokens.accessToken, tokens };
}

async function ok<T = any>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<T> {
  const res = await server.gql(query, variables, { token });
  expect(res.errors).toBeUndefined();
  return res.data as T;
}

async function createOrg(owner: Account, name = 'Acme', slug?: string) {
  return (await ok(CREATE, { name, slug }, owner.token)).createOrganization as {
    id: string;
    slug: string;
    name: string;
    viewerRole: string;
  };
}

const invitationIdIn = (mail: ReceivedMail): string => {
  const match = mail.text.match(/http:\/\/app\.test\/invitations\/([0-9a-f-]{36})/);
  if (!match) throw new Error(`no invitation link in: ${mail.text}`);
  return match[1]!;
};

/** Invites `email` and returns the invitation id read from the mail that arrives. */
async function invite(
  admin: Account,
  orgId: string,
  email: string,
  role?: string,
): Promise<string> {
  const before = server.inbox.for(email).length;
  await ok(INVITE, { orgId, email, role }, admin.token);
  return invitationIdIn(await server.inbox.waitFor(email, before + 1));
}

/** Makes `member` part of the organization with `role` through a real invitation. */
async function join(admin: Account, orgId: string, member: Account, role = 'MEMBER') {
  const id = await invite(admin, orgId, member.email, role);
  await ok(ACCEPT, { id }, member.token);
}

/** An organization with an OWNER, an ADMIN and a MEMBER, each a real account that joined by invitation. */
async function team() {
  const owner = await account('owner');
  const admin = await account('admin');
  const member = await account('member');
  const org = await createOrg(owner);
  await join(owner, org.id, admin, 'ADMIN');
  await join(owner, org.id, member);
  return { owner, admin, member, org };
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('organizations', () => {
  it('createOrganization makes the viewer OWNER, derives a unique slug from the name, and lists it', async () => {
    const owner = await account('owner');
    const name = `Café Größe ${randomBytes(3).toString('hex')}`;
    const first = await createOrg(owner, `  ${name}  `);
    expect(first).toMatchObject({ name, viewerRole: 'OWNER' });
    expect(first.slug).toBe(`cafe-grosse-${name.slice(-6)}`);
    const second = await createOrg(owner, name);
    expect(second.slug).toBe(`${first.slug}-2`);
    const listed = (await ok(ORGANIZATIONS, {}, owner.token)).organizations;
    expect(listed.map((o: { id: string }) => o.id)).toEqual([first.id, second.id]);
    expect((await ok(ORGANIZATION, { id: first.id }, owner.token)).organization).toEqual(first);
    const members = (await ok(MEMBERS, { orgId: first.id }, owner.token)).orgMembers;
    expect(members).toEqual([
      { user: { id: owner.id, email: owner.email }, role: 'OWNER', joinedAt: expect.any(String) },
    ]);
    // A short name still gets a valid slug.
    expect((await createOrg(owner, 'X')).slug).toMatch(/^[a-z0-9-]{3,40}$/);
  });

  it('gives organizations made at once from one name distinct slugs', async () => {
    const owner = await account('owner');
    const name = `Parallel ${randomBytes(3).toString('hex')}`;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => server.gql(CREATE, { name }, { token: owner.token })),
    );
    expect(results.map((r) => r.errors)).toEqual([undefined, undefined, undefined, undefined]);
    const slugs = results.map((r) => (r.data as any).createOrganization.slug as string);
    const base = name.toLowerCase().replace(' ', '-');
    expect(new Set(slugs)).toEqual(new Set([base, `${base}-2`, `${base}-3`, `${base}-4`]));
  });

  it('refuses a taken or invalid slug and a bad name with BAD_USER_INPUT', async () => {
    const owner = await account('owner');
    const slug = `acme-${randomBytes(4).toString('hex')}`;
    await createOrg(owner, 'Acme', slug);
    for (const [name, s] of [
      ['Other', slug],
      ['Other', 'AB'],
      ['Other', 'Upper-Case'],
      ['Other', 'has space'],
      ['Other', 'x'.repeat(41)],
      ['   ', null],
      ['n'.repeat(101), null],
    ] as const) {
      const res = await server.gql(CREATE, { name, slug: s }, { token: owner.token });
      expect({ name, s, code: codeOf(res) }).toEqual({ name, s, code: 'BAD_USER_INPUT' });
    }
    expect((await ok(ORGANIZATIONS, {}, owner.token)).organizations).toHaveLength(1);
  });

  it('shows an organization and its members to members only; updateOrganization needs OWNER or ADMIN', async () => {
    const { owner, admin, member, org } = await team();
    const stranger = await account('stranger');
    expect((await ok(ORGANIZATION, { id: org.id }, stranger.token)).organization).toBeNull();
    expect(codeOf(await server.gql(MEMBERS, { orgId: org.id }, { token: stranger.token }))).toBe(
      'FORBIDDEN',
    );
    expect(
      (await ok(MEMBERS, { orgId: org.id }, member.token)).orgMembers.map(
        (m: { role: string }) => m.role,
      ),
    ).toEqual(['OWNER', 'ADMIN', 'MEMBER']);
    expect((await ok(ORGANIZATION, { id: org.id }, member.token)).organization.viewerRole).toBe(
      'MEMBER',
    );
    expect(
      codeOf(await server.gql(UPDATE, { id: org.id, name: 'Nope' }, { token: member.token })),
    ).toBe('FORBIDDEN');
    const newSlug = `renamed-${randomBytes(4).toString('hex')}`;
    const updated = (await ok(UPDATE, { id: org.id, name: 'Renamed', slug: newSlug }, admin.token))
      .updateOrganization;
    expect(updated).toMatchObject({ name: 'Renamed', slug: newSlug, viewerRole: 'ADMIN' });
    const other = await createOrg(owner);
    expect(
      codeOf(await server.gql(UPDATE, { id: other.id, slug: newSlug }, { token: owner.token })),
    ).toBe('BAD_USER_INPUT');
  });

  it('deleteOrganization: OWNER only, with a fresh sign-in; its memberships and invitations go, nothing else', async () => {
    const owner = await account('owner');
    const admin = await account('admin');
    const invitee = await account('invitee');
    const org = await createOrg(owner);
    await join(owner, org.id, admin, 'ADMIN');
    const invitationId = await invite(owner, org.id, invitee.email);
    expect(codeOf(await server.gql(DELETE, { id: org.id }, { token: admin.token }))).toBe(
      'FORBIDDEN',
    );
    // A sign-in older than 15 minutes is not fresh enough: the token's auth_time comes from the session.
    const em = server.app.orm.em.fork();
    await em.nativeUpdate(
      Session,
      { user: owner.id },
      { authTime: new Date(Date.now() - 16 * 60_000) },
    );
    const stale = (await ok(REFRESH, { refreshToken: owner.tokens.refreshToken }, '')).refreshToken;
    expect(codeOf(await server.gql(DELETE, { id: org.id }, { token: stale.accessToken }))).toBe(
      'REAUTHENTICATION_REQUIRED',
    );
    const fresh = await signIn(server, owner.email);
    expect(await ok(DELETE, { id: org.id }, fresh.accessToken)).toEqual({
      deleteOrganization: true,
    });
    expect((await ok(ORGANIZATIONS, {}, admin.token)).organizations).toEqual([]);
    expect((await ok(MY_INVITATIONS, {}, invitee.token)).myInvitations).toEqual([]);
    expect(await em.count(Invitation, { id: invitationId })).toBe(0);
    // Nothing else: the accounts stay and can sign in.
    expect(await em.count(User, { id: { $in: [owner.id, admin.id, invitee.id] } })).toBe(3);
    await signIn(server, admin.email);
  });
});

describe('invitations', () => {
  it('mails the invited address a link with the organization and the inviter; the invited, verified account accepts it once', async () => {
    const owner = await account('owner');
    const org = await createOrg(owner, `Team ${randomBytes(3).toString('hex')}`);
    const email = uniqueEmail('invitee');
    const res = await ok(
      INVITE,
      { orgId: org.id, email: `  ${email.toUpperCase()} ` },
      owner.token,
    );
    expect(res.inviteMember).toMatchObject({ email, role: 'MEMBER' });
    const mail = await server.inbox.waitFor(email);
    const id = invitationIdIn(mail);
    expect(id).toBe(res.inviteMember.id);
    expect(mail.text).toContain(`${APP_URL}/invitations/${id}`);
    expect(mail.text).toContain(org.name);
    expect(mail.text).toContain(owner.email);
    expect(mail.subject).toContain(org.name);
    // The invited address signs up afterwards: the invitation waits for it.
    const { id: inviteeId } = await createActiveUser(server, email);
    const invitee = await signIn(server, email);
    const mine = (await ok(MY_INVITATIONS, {}, invitee.accessToken)).myInvitations;
    expect(mine).toEqual([
      {
        id,
        email,
        role: 'MEMBER',
        expiresAt: expect.any(String),
        organization: { id: org.id, name: org.name, viewerRole: null },
      },
    ]);
    const days = (Date.parse(mine[0].expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const accepted = (await ok(ACCEPT, { id }, invitee.accessToken)).acceptInvitation;
    expect(accepted).toMatchObject({ id: org.id, viewerRole: 'MEMBER' });
    expect(codeOf(await server.gql(ACCEPT, { id }, { token: invitee.accessToken }))).toBe(
      'INVALID_TOKEN',
    );
    const members = (await ok(MEMBERS, { orgId: org.id }, owner.token)).orgMembers;
    expect(members.map((m: { user: { id: string } }) => m.user.id)).toEqual([owner.id, inviteeId]);
    expect((await ok(MY_INVITATIONS, {}, invitee.accessToken)).myInvitations).toEqual([]);
    expect((await ok(ORG_INVITATIONS, { orgId: org.id }, owner.token)).orgInvitations).toEqual([]);
  });

  it('answers the same whether or not the address has an account', async () => {
    const owner = await account('owner');
    const known = await account('known');
    const org = await createOrg(owner);
    const shape = (r: any) => ({
      ...r.inviteMember,
      id: typeof r.inviteMember.id,
      email: typeof r.inviteMember.email,
      expiresAt: typeof r.inviteMember.expiresAt,
    });
    const a = await server.gql(
      INVITE,
      { orgId: org.id, email: known.email },
      { token: owner.token },
    );
    const b = await server.gql(
      INVITE,
      { orgId: org.id, email: uniqueEmail('nobody') },
      { token: owner.token },
    );
    expect(a.errors).toBeUndefined();
    expect(shape(a.data)).toEqual(shape(b.data));
  });

  it('renews a pending invitation instead of adding one: same id, new expiry, the new role', async () => {
    const owner = await account('owner');
    const org = await createOrg(owner);
    const email = uniqueEmail('invitee');
    const first = await invite(owner, org.id, email);
    const em = server.app.orm.em.fork();
    await em.nativeUpdate(Invitation, { id: first }, { expiresAt: new Date(Date.now() + 60_000) });
    const second = await invite(owner, org.id, email, 'ADMIN');
    expect(second).toBe(first);
    const pending = (await ok(ORG_INVITATIONS, { orgId: org.id }, owner.token)).orgInvitations;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      id: first,
      role: 'ADMIN',
      organization: { viewerRole: 'OWNER' },
    });
    expect(Date.parse(pending[0].expiresAt) - Date.now()).toBeGreaterThan(6 * 86_400_000);
  });

  it('lets OWNER and ADMIN invite, never a MEMBER; an ADMIN may not invite an OWNER; a member cannot be invited again', async () => {
    const { admin, member, org } = await team();
    const stranger = await account('stranger');
    const to = uniqueEmail('x');
    for (const [who, role] of [
      [member, 'MEMBER'],
      [stranger, 'MEMBER'],
      [admin, 'OWNER'],
    ] as const) {
      const res = await server.gql(
        INVITE,
        { orgId: org.id, email: to, role },
        { token: who.token },
      );
      expect(codeOf(res)).toBe('FORBIDDEN');
    }
    expect(
      codeOf(await server.gql(ORG_INVITATIONS, { orgId: org.id }, { token: member.token })),
    ).toBe('FORBIDDEN');
    const res = await server.gql(
      INVITE,
      { orgId: org.id, email: member.email.toUpperCase() },
      { token: admin.token },
    );
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    const bad = await server.gql(
      INVITE,
      { orgId: org.id, email: 'not an address' },
      { token: admin.token },
    );
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(server.inbox.for(to)).toHaveLength(0);
  });

  it('is accepted only by the invited address once verified: anyone else gets FORBIDDEN', async () => {
    const owner = await account('owner');
    const org = await createOrg(owner);
    const invitee = await account('invitee');
    const other = await account('other');
    const id = await invite(owner, org.id, invitee.email);
    expect(codeOf(await server.gql(ACCEPT, { id }, { token: other.token }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(DECLINE, { id }, { token: other.token }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(ACCEPT, { id }, { token: owner.token }))).toBe('FORBIDDEN');
    // The same address, not verified (as an account made from an unproven provider claim once was).
    const em = server.app.orm.em.fork();
    await em.nativeUpdate(User, { id: invitee.id }, { emailProof: null });
    expect((await ok(MY_INVITATIONS, {}, invitee.token)).myInvitations).toEqual([]);
    expect(codeOf(await server.gql(ACCEPT, { id }, { token: invitee.token }))).toBe('FORBIDDEN');
    await em.nativeUpdate(User, { id: invitee.id }, { emailProof: 'mail' });
    expect((await ok(ACCEPT, { id }, invitee.token)).acceptInvitation.viewerRole).toBe('MEMBER');
  });

  it('refuses an expired, revoked or declined invitation with INVALID_TOKEN', async () => {
    const { owner, admin, member, org } = await team();
    const invitee = await account('invitee');
    const em = server.app.orm.em.fork();

    const expired = await invite(admin, org.id, invitee.email);
    await em.nativeUpdate(Invitation, { id: expired }, { expiresAt: new Date(Date.now() - 1000) });
    expect(codeOf(await server.gql(ACCEPT, { id: expired }, { token: invitee.token }))).toBe(
      'INVALID_TOKEN',
    );
    expect((await ok(ORG_INVITATIONS, { orgId: org.id }, admin.token)).orgInvitations).toEqual([]);

    const org2 = await createOrg(owner);
    const revoked = await invite(owner, org2.id, invitee.email);
    expect(codeOf(await server.gql(REVOKE, { id: revoked }, { token: member.token }))).toBe(
      'FORBIDDEN',
    );
    expect(await ok(REVOKE, { id: revoked }, owner.token)).toEqual({ revokeInvitation: true });
    expect(codeOf(await server.gql(ACCEPT, { id: revoked }, { token: invitee.token }))).toBe(
      'INVALID_TOKEN',
    );

    const org3 = await createOrg(owner);
    const declined = await invite(owner, org3.id, invitee.email);
    expect(await ok(DECLINE, { id: declined }, invitee.token)).toEqual({ declineInvitation: true });
    expect(codeOf(await server.gql(ACCEPT, { id: declined }, { token: invitee.token }))).toBe(
      'INVALID_TOKEN',
    );
    expect(codeOf(await server.gql(ACCEPT, { id: 'not-an-id' }, { token: invitee.token }))).toBe(
      'INVALID_TOKEN',
    );
    expect((await ok(ORGANIZATIONS, {}, invitee.token)).organizations).toEqual([]);
  });

  it('answers the inviter with their role, and housekeeping deletes invitations once expired', async () => {
    const owner = await account('owner');
    const org = await createOrg(owner);
    const email = uniqueEmail('late');
    const res = (await ok(INVITE, { orgId: org.id, email }, owner.token)).inviteMember;
    expect(res.organization).toEqual({ id: org.id, name: org.name, viewerRole: 'OWNER' });
    const live = await invite(owner, org.id, uniqueEmail('live'));
    const em = server.app.orm.em.fork();
    await em.nativeUpdate(Invitation, { id: res.id }, { expiresAt: new Date(Date.now() - 1000) });
    await em.nativeUpdate(HousekeepingLease, {}, { nextRunAt: new Date(0) });
    const deleted = await server.app.services.housekeeping.runIfDue();
    expect(deleted?.invitations).toBeGreaterThanOrEqual(1);
    expect(await em.count(Invitation, { id: res.id })).toBe(0);
    expect(await em.count(Invitation, { id: live })).toBe(1);
  });

  it('accepts one invitation exactly once under parallel accepts', async () => {
    const owner = await account('owner');
    const invitee = await account('invitee');
    const org = await createOrg(owner);
    const id = await invite(owner, org.id, invitee.email, 'ADMIN');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => server.gql(ACCEPT, { id }, { token: invitee.token })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(5).fill('INVALID_TOKEN'));
    const members = (await ok(MEMBERS, { orgId: org.id }, owner.token)).orgMembers;
    expect(members.map((m: { role: string }) => m.role)).toEqual(['OWNER', 'ADMIN']);
    const events = (await ok(EVENTS, {}, invitee.token)).securityEvents.map(
      (e: { type: string }) => e.type,
    );
    expect(events.filter((t: string) => t === 'invitation_accepted')).toHaveLength(1);
  });

  it(`allows ${INVITES_PER_ORG} invitations per organization a day, then TOO_MANY_REQUESTS`, async () => {
    const owner = await account('owner');
    const org = await createOrg(owner);
    for (let i = 0; i < INVITES_PER_ORG; i++)
      await ok(INVITE, { orgId: org.id, email: uniqueEmail('bulk') }, owner.token);
    const email = uniqueEmail('bulk');
    const res = await server.gql(INVITE, { orgId: org.id, email }, { token: owner.token });
    expect(codeOf(res)).toBe('TOO_MANY_REQUESTS');
    expect(res.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    // Another organization has its own budget.
    const other = await createOrg(owner);
    await ok(INVITE, { orgId: other.id, email }, owner.token);
  });
});

describe('roles', () => {
  it('an ADMIN never makes, demotes or removes an OWNER; an OWNER can', async () => {
    const { owner, admin, member, org } = await team();
    const as = (who: Account, query: string, vars: Record<string, unknown>) =>
      server.gql(query, { orgId: org.id, ...vars }, { token: who.token });
    expect(codeOf(await as(admin, SET_ROLE, { userId: member.id, role: 'OWNER' }))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await as(admin, SET_ROLE, { userId: owner.id, role: 'MEMBER' }))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await as(admin, REMOVE, { userId: owner.id }))).toBe('FORBIDDEN');
    expect(codeOf(await as(member, SET_ROLE, { userId: member.id, role: 'ADMIN' }))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await as(member, REMOVE, { userId: admin.id }))).toBe('FORBIDDEN');
    expect(codeOf(await as(admin, SET_ROLE, { userId: randomUUIDv4(), role: 'ADMIN' }))).toBe(
      'BAD_USER_INPUT',
    );
    const promoted = await as(admin, SET_ROLE, { userId: member.id, role: 'ADMIN' });
    expect(promoted.data).toEqual({ setMemberRole: { user: { id: member.id }, role: 'ADMIN' } });
    const owned = await as(owner, SET_ROLE, { userId: admin.id, role: 'OWNER' });
    expect(owned.data).toEqual({ setMemberRole: { user: { id: admin.id }, role: 'OWNER' } });
    expect((await as(owner, REMOVE, { userId: member.id })).data).toEqual({ removeMember: true });
    const roles = (await ok(MEMBERS, { orgId: org.id }, owner.token)).orgMembers.map(
      (m: { user: { id: string }; role: string }) => [m.user.id, m.role],
    );
    expect(roles).toEqual([
      [owner.id, 'OWNER'],
      [admin.id, 'OWNER'],
    ]);
    expect((await ok(ORGANIZATIONS, {}, member.token)).organizations).toEqual([]);
    const events = (await ok(EVENTS, {}, owner.token)).securityEvents.map(
      (e: { type: string }) => e.type,
    );
    expect(events).toEqual(expect.arrayContaining(['member_role_changed', 'member_removed']));
  });

  it('keeps the last OWNER: their leave, demotion and removal are FORBIDDEN; with a second owner they work', async () => {
    const owner = await account('owner');
    const member = await account('member');
    const org = await createOrg(owner);
    await join(owner, org.id, member);
    const as = (query: string, vars: Record<string, unknown>) =>
      server.gql(query, { orgId: org.id, ...vars }, { token: owner.token });
    expect(codeOf(await as(LEAVE, {}))).toBe('FORBIDDEN');
    expect(codeOf(await as(SET_ROLE, { userId: owner.id, role: 'ADMIN' }))).toBe('FORBIDDEN');
    expect(codeOf(await as(REMOVE, { userId: owner.id }))).toBe('FORBIDDEN');
    await ok(SET_ROLE, { orgId: org.id, userId: member.id, role: 'OWNER' }, owner.token);
    expect((await as(LEAVE, {})).data).toEqual({ leaveOrganization: true });
    expect(codeOf(await server.gql(LEAVE, { orgId: org.id }, { token: member.token }))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await server.gql(LEAVE, { orgId: org.id }, { token: owner.token }))).toBe(
      'FORBIDDEN',
    );
  });

  it('two owners demoting each other at the same moment leave exactly one OWNER', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await account('owner-a');
      const b = await account('owner-b');
      const org = await createOrg(a);
      await join(a, org.id, b, 'OWNER');
      const [byA, byB] = await Promise.all([
        server.gql(SET_ROLE, { orgId: org.id, userId: b.id, role: 'MEMBER' }, { token: a.token }),
        server.gql(SET_ROLE, { orgId: org.id, userId: a.id, role: 'MEMBER' }, { token: b.token }),
      ]);
      expect([byA, byB].filter((r) => !r.errors)).toHaveLength(1);
      expect([byA, byB].filter((r) => r.errors).map(codeOf)).toEqual(['FORBIDDEN']);
      const members = (await ok(MEMBERS, { orgId: org.id }, a.token)).orgMembers;
      expect(members.filter((m: { role: string }) => m.role === 'OWNER')).toHaveLength(1);
    }
  });

  it('two owners leaving at the same moment leave exactly one OWNER', async () => {
    const a = await account('owner-a');
    const b = await account('owner-b');
    const org = await createOrg(a);
    await join(a, org.id, b, 'OWNER');
    const results = await Promise.all([
      server.gql(LEAVE, { orgId: org.id }, { token: a.token }),
      server.gql(LEAVE, { orgId: org.id }, { token: b.token }),
    ]);
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    const stayed = results[0]!.errors ? a : b;
    const members = (await ok(MEMBERS, { orgId: org.id }, stayed.token)).orgMembers;
    expect(members).toEqual([
      { user: { id: stayed.id, email: stayed.email }, role: 'OWNER', joinedAt: expect.any(String) },
    ]);
  });
});

describe('organization tokens', () => {
  it('carry no org claims until switchOrganization; then org and org_role for the same session, kept by refresh', async () => {
    const owner = await account('owner');
    const member = await account('member');
    const org = await createOrg(owner);
    await join(owner, org.id, member);
    expect(claimsOf(member.token)).not.toHaveProperty('org');
    expect(claimsOf(member.token)).not.toHaveProperty('org_role');
    const refreshed = (await ok(REFRESH, { refreshToken: member.tokens.refreshToken }, ''))
      .refreshToken;
    expect(claimsOf(refreshed.accessToken)).not.toHaveProperty('org');

    const switched = (await ok(SWITCH, { orgId: org.id }, refreshed.accessToken))
      .switchOrganization;
    const claims = claimsOf(switched.accessToken);
    expect(claims).toMatchObject({ org: org.id, org_role: 'MEMBER', sub: member.id });
    expect(claims.sid).toBe(claimsOf(member.token).sid);
    expect(switched.user).toEqual({ id: member.id, email: member.email });
    // Another tab refreshing with the token the switch retired, inside the grace window, gets the same pair.
    const tab = (await ok(REFRESH, { refreshToken: refreshed.refreshToken }, '')).refreshToken;
    expect(tab.refreshToken).toBe(switched.refreshToken);
    expect(claimsOf(tab.accessToken)).toMatchObject({ org: org.id, org_role: 'MEMBER' });
    // The new access token works, and the session is still one.
    expect((await ok(ORGANIZATIONS, {}, switched.accessToken)).organizations).toHaveLength(1);
    expect(await server.app.orm.em.fork().count(Session, { user: member.id })).toBe(1);

    const again = (await ok(REFRESH, { refreshToken: switched.refreshToken }, '')).refreshToken;
    expect(claimsOf(again.accessToken)).toMatchObject({ org: org.id, org_role: 'MEMBER' });

    // A role change reaches the next refresh.
    await ok(SET_ROLE, { orgId: org.id, userId: member.id, role: 'ADMIN' }, owner.token);
    const promoted = (await ok(REFRESH, { refreshToken: again.refreshToken }, '')).refreshToken;
    expect(claimsOf(promoted.accessToken)).toMatchObject({ org: org.id, org_role: 'ADMIN' });

    // null clears the organization.
    const cleared = (await ok(SWITCH, { orgId: null }, promoted.accessToken)).switchOrganization;
    expect(claimsOf(cleared.accessToken)).not.toHaveProperty('org');
    const still = (await ok(REFRESH, { refreshToken: cleared.refreshToken }, '')).refreshToken;
    expect(claimsOf(still.accessToken)).not.toHaveProperty('org_role');
  });

  it('a removed member’s next refresh carries no org claims; a non-member cannot switch', async () => {
    const owner = await account('owner');
    const member = await account('member');
    const stranger = await account('stranger');
    const org = await createOrg(owner);
    await join(owner, org.id, member);
    const switched = (await ok(SWITCH, { orgId: org.id }, member.token)).switchOrganization;
    expect(claimsOf(switched.accessToken).org).toBe(org.id);
    await ok(REMOVE, { orgId: org.id, userId: member.id }, owner.token);
    const next = (await ok(REFRESH, { refreshToken: switched.refreshToken }, '')).refreshToken;
    const claims = claimsOf(next.accessToken);
    expect(claims).not.toHaveProperty('org');
    expect(claims).not.toHaveProperty('org_role');
    expect(codeOf(await server.gql(SWITCH, { orgId: org.id }, { token: stranger.token }))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await server.gql(SWITCH, { orgId: 'nope' }, { token: stranger.token }))).toBe(
      'FORBIDDEN',
    );
    // The refresh token held before the switch was retired by it: presenting it again is a reuse.
    const stale = await server.gql(REFRESH, { refreshToken: member.tokens.refreshToken });
    expect(codeOf(stale)).toBe('INVALID_TOKEN');
    expect(codeOf(await server.gql(REFRESH, { refreshToken: next.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
  });

  it('@auth(orgRole: ADMIN) admits a token whose org_role is OWNER or ADMIN, and refuses MEMBER or no org with FORBIDDEN', async () => {
    const schema = applyAuthDirective(
      buildSchema(
        'enum Role { USER ADMIN }\nenum OrgRole { OWNER ADMIN MEMBER }\ntype Query { billing: String @auth(orgRole: ADMIN) }',
        { assumeValidSDL: true },
      ),
    );
    const build = createContextBuilder(server.app.orm, server.app.services, () => '127.0.0.1');
    const run = async (token: string) => {
      const req = { headers: { authorization: `Bearer ${token}` } } as unknown as IncomingMessage;
      const res = await graphql({
        schema,
        source: '{ billing }',
        rootValue: { billing: 'ok' },
        contextValue: build(req),
      });
      return res.errors ? (res.errors[0]!.originalError as any)?.code : res.data!.billing;
    };
    const { owner, admin, member, org } = await team();
    const tokenIn = async (who: Account) =>
      (await ok(SWITCH, { orgId: org.id }, who.token)).switchOrganization.accessToken as string;
    expect(await run(await tokenIn(owner))).toBe('ok');
    expect(await run(await tokenIn(admin))).toBe('ok');
    expect(await run(await tokenIn(member))).toBe('FORBIDDEN');
    expect(await run((await signIn(server, member.email)).accessToken)).toBe('FORBIDDEN');
  });
});

describe('organizations and the account lifecycle', () => {
  it('refuses deleteAccount by the last OWNER of an organization with other members, deleting nothing', async () => {
    const owner = await account('owner');
    const member = await account('member');
    const org = await createOrg(owner);
    await join(owner, org.id, member);
    const res = await server.gql(DELETE_ACCOUNT, { password: PASSWORD }, { token: owner.token });
    expect(codeOf(res)).toBe('FORBIDDEN');
    expect((await ok(MEMBERS, { orgId: org.id }, owner.token)).orgMembers).toHaveLength(2);
    await signIn(server, owner.email);
    // Once another member owns it too, the account can go, and its membership with it.
    await ok(SET_ROLE, { orgId: org.id, userId: member.id, role: 'OWNER' }, owner.token);
    expect(await ok(DELETE_ACCOUNT, { password: PASSWORD }, owner.token)).toEqual({
      deleteAccount: true,
    });
    const members = (await ok(MEMBERS, { orgId: org.id }, member.token)).orgMembers;
    expect(members).toEqual([
      { user: { id: member.id, email: member.email }, role: 'OWNER', joinedAt: expect.any(String) },
    ]);
  });

  it('deletes an organization with its only member’s account; the address can sign up again without it', async () => {
    const owner = await account('owner');
    const org = await createOrg(owner);
    const invited = uniqueEmail('pending');
    await invite(owner, org.id, invited);
    expect(await ok(DELETE_ACCOUNT, { password: PASSWORD }, owner.token)).toEqual({
      deleteAccount: true,
    });
    const em = server.app.orm.em.fork();
    expect(await em.count(Invitation, { organization: org.id })).toBe(0);
    const again = await server.gql(SIGN_UP, { email: owner.email, password: PASSWORD });
    expect(again.errors).toBeUndefined();
    await receiver.waitFor(
      (d) =>
        d.body.type === 'organization.deleted' && (d.body.data.organization as any).id === org.id,
    );
  });

  it('shows administrators the organizations of a user', async () => {
    const owner = await account('owner');
    const org = await createOrg(owner);
    const adminAccount = await account('site-admin');
    await server.app.orm.em
      .fork()
      .nativeUpdate(User, { id: adminAccount.id }, { role: 'ADMIN' as any });
    const admin = await signIn(server, adminAccount.email);
    const QUERY = `query ($id: ID!) { user(id: $id) { organizations { organization { id slug } role joinedAt } } }`;
    const res = await ok(QUERY, { id: owner.id }, admin.accessToken);
    expect(res.user.organizations).toEqual([
      { organization: { id: org.id, slug: org.slug }, role: 'OWNER', joinedAt: expect.any(String) },
    ]);
    // An ADMIN (of the site) may look at an organization without being a member.
    expect((await ok(ORGANIZATION, { id: org.id }, admin.accessToken)).organization).toMatchObject({
      id: org.id,
      viewerRole: null,
    });
    const own = await server.gql(`{ me { id } }`, {}, { token: owner.token });
    expect(own.errors).toBeUndefined();
    const forbidden = await server.gql(QUERY, { id: owner.id }, { token: owner.token });
    expect(codeOf(forbidden)).toBe('FORBIDDEN');
  });
});

describe('security events and webhooks', () => {
  it('records each change in the acting user’s security log and posts the matching webhook', async () => {
    const owner = await account('owner');
    const invitee = await account('invitee');
    const org = await createOrg(owner);
    await join(owner, org.id, invitee, 'ADMIN');
    await ok(SET_ROLE, { orgId: org.id, userId: invitee.id, role: 'MEMBER' }, owner.token);
    await ok(REMOVE, { orgId: org.id, userId: invitee.id }, owner.token);
    await ok(DELETE, { id: org.id }, owner.token);
    const ownerEvents = (await ok(EVENTS, {}, owner.token)).securityEvents.map(
      (e: { type: string }) => e.type,
    );
    expect(ownerEvents).toEqual(
      expect.arrayContaining([
        'organization_created',
        'invitation_created',
        'member_role_changed',
        'member_removed',
        'organization_deleted',
      ]),
    );
    const inviteeEvents = (await ok(EVENTS, {}, invitee.token)).securityEvents.map(
      (e: { type: string }) => e.type,
    );
    expect(inviteeEvents).toEqual(expect.arrayContaining(['invitation_accepted', 'member_added']));
    const ofOrg = (d: Delivery) =>
      (d.body.data.organization as { id?: string } | undefined)?.id === org.id;
    const types = [
      'organization.created',
      'invitation.created',
      'invitation.accepted',
      'member.added',
      'member.role_changed',
      'member.removed',
      'organization.deleted',
    ];
    await receiver.waitFor((d) => ofOrg(d) && d.body.type === 'organization.deleted');
    for (const type of types)
      await receiver.waitFor((d) => ofOrg(d) && d.body.type === type && d.verified);
  });
});

function randomUUIDv4(): string {
  return '00000000-0000-4000-8000-000000000000';
}
