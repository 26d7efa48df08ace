import { randomBytes } from 'node:crypto';
import { Role } from '../src/users/role';
import { configProblems } from './helpers/config';
import {
  ACTIVATE,
  createActiveUser,
  DELETE_ACCOUNT,
  PASSWORD,
  signIn,
  signUpAndGetActivationToken,
  uniqueEmail,
} from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';
import { WebhookReceiver, type Delivery } from './helpers/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let receiver: WebhookReceiver;
let server: TestServer;

beforeAll(async () => {
  receiver = await new WebhookReceiver(SECRET).start();
  server = await startTestServer({
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    MAIL_POLL_INTERVAL: '100ms',
    MAIL_RETRY_BACKOFF: '200ms',
    // One attempt's bound: a receiver that hangs is given up on and retried.
    MAIL_SEND_TIMEOUT: '1s',
  });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
afterEach(() => {
  receiver.answer = () => 204;
});

const about = (userId: string, type: string) => (d: Delivery) =>
  d.body.type === type && d.body.data.id === userId;

describe('webhooks', () => {
  it('POSTs every user lifecycle event, signed (Standard Webhooks), after the change commits', async () => {
    const email = uniqueEmail('hook');
    const token = await signUpAndGetActivationToken(server, email);
    const activated = await server.gql(ACTIVATE, { token });
    const id = (activated.data as any).activateAccount.id as string;
    const [created] = await receiver.waitFor(about(id, 'user.created'));
    expect(created!.body.data).toMatchObject({ id, email, role: 'USER', isActive: false });
    expect(created!.body.data).not.toHaveProperty('passwordHash');
    await receiver.waitFor(about(id, 'user.activated'));

    const admin = await createActiveUser(server);
    await server.app.services.admin.setRoleByEmail(
      server.app.orm.em.fork(),
      admin.email,
      Role.ADMIN,
    );
    const adminToken = (await signIn(server, admin.email)).accessToken;
    const [promotedAdmin] = await receiver.waitFor(about(admin.id, 'user.role_changed'));
    expect(promotedAdmin!.body.data).toMatchObject({ role: 'ADMIN', previousRole: 'USER' });

    for (const mutation of ['disableUser', 'enableUser']) {
      const res = await server.gql(
        `mutation ($id: ID!) { ${mutation}(id: $id) { id } }`,
        { id },
        { token: adminToken },
      );
      expect(res.errors).toBeUndefined();
    }
    await receiver.waitFor(about(id, 'user.disabled'));
    await receiver.waitFor(about(id, 'user.enabled'));

    const { accessToken } = await signIn(server, email);
    const deleted = await server.gql(
      DELETE_ACCOUNT,
      { password: PASSWORD },
      { token: accessToken },
    );
    expect(deleted.errors).toBeUndefined();
    const [gone] = await receiver.waitFor(about(id, 'user.deleted'));
    expect(gone!.body.data).toEqual({ id, email });

    const mine = receiver.deliveries.filter((d) => d.body.data.id === id);
    expect(mine.every((d) => d.verified && d.id.startsWith('msg_'))).toBe(true);
    // One delivery per event here (the receiver said 204 each time), each under an id of its own.
    expect(new Set(mine.map((d) => d.id)).size).toBe(mine.length);
  });

  it('retries after a 500 with the same webhook-id and body, signed afresh', async () => {
    let failed = false;
    receiver.answer = () => {
      if (failed) return 204;
      failed = true;
      return 500;
    };
    const email = uniqueEmail('retry');
    await signUpAndGetActivationToken(server, email);
    const [first, second] = await receiver.waitFor(
      (d) => d.body.type === 'user.created' && d.body.data.email === email,
      2,
    );
    expect(first!.status).toBe(500);
    expect(second!.status).toBe(204);
    expect(second!.id).toBe(first!.id);
    expect(second!.raw).toBe(first!.raw);
    expect(first!.verified && second!.verified).toBe(true);
  });

  it('gives up on a receiver that hangs and retries it; the request that caused it never waited', async () => {
    let hung = false;
    receiver.answer = () => {
      if (hung) return 204;
      hung = true;
      return 'hang';
    };
    const email = uniqueEmail('slow');
    // Answered while the receiver holds the event's first delivery open.
    const res = await server.gql(
      `mutation ($email: String!, $password: String!) { signUp(input: { email: $email, password: $password }) }`,
      { email, password: PASSWORD },
    );
    expect(res.body).toEqual({ data: { signUp: true } });
    const [held, retried] = await receiver.waitFor(
      (d) => d.body.type === 'user.created' && d.body.data.email === email,
      2,
    );
    expect(held!.status).toBe(-1);
    expect(retried!.status).toBe(204);
    expect(retried!.id).toBe(held!.id);
  });
});

describe('webhooks from housekeeping', () => {
  it('sends user.deleted for an account never activated that housekeeping removes', async () => {
    const own = await startTestServer({
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: SECRET,
      MAIL_POLL_INTERVAL: '100ms',
      ACTIVATION_TOKEN_TTL: '1s',
      HOUSEKEEPING_INTERVAL: '1s',
    });
    try {
      const email = uniqueEmail('never');
      await signUpAndGetActivationToken(own, email);
      const [created] = await receiver.waitFor(
        (d) => d.body.type === 'user.created' && d.body.data.email === email,
      );
      const id = created!.body.data.id as string;
      const [deleted] = await receiver.waitFor(about(id, 'user.deleted'), 1, 15_000);
      expect(deleted!.body.data).toEqual({ id, email });
      expect(deleted!.verified).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe('webhook configuration', () => {
  it('needs both WEBHOOK_URL and a whsec_ WEBHOOK_SECRET', () => {
    expect(configProblems({ WEBHOOK_URL: 'https://hooks.example.com/authql' })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET is required/),
    ]);
    expect(configProblems({ WEBHOOK_SECRET: SECRET })).toEqual([
      expect.stringMatching(/WEBHOOK_URL is not/),
    ]);
    expect(
      configProblems({ WEBHOOK_URL: 'https://hooks.example.com/a', WEBHOOK_SECRET: 'hunter2' }),
    ).toEqual([expect.stringMatching(/^WEBHOOK_SECRET must be whsec_/)]);
    expect(
      configProblems({ WEBHOOK_URL: 'ftp://hooks.example.com/a', WEBHOOK_SECRET: SECRET }),
    ).toEqual([expect.stringMatching(/^WEBHOOK_URL must be a http: or https: URL/)]);
    expect(
      configProblems({ WEBHOOK_URL: 'https://hooks.example.com/a', WEBHOOK_SECRET: SECRET }),
    ).toEqual([]);
  });
});
