import { COMMANDS } from '../src/cli/commands';
import { codeOf, createActiveUser, ME, REFRESH, signIn, sleep, USERS } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  // The CLI is another process: the server notices ended sessions within SESSION_CACHE_TTL.
  server = await startTestServer({ SESSION_CACHE_TTL: '300ms' });
});
afterAll(() => server.close());

/** Runs `npm run cli -- <args>` in-process against the test server's database. */
async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    DATABASE_URL: server.databaseUrl,
    DATA_DIR: server.config.dataDir,
    JWT_SECRET: server.config.jwt.secret,
    NODE_ENV: 'test',
  });
  const out: string[] = [];
  const err: string[] = [];
  try {
    const command = COMMANDS.find((c) => c.name === args[0])!;
    const code = await command.run(args.slice(1), {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

describe('users (ADMIN only)', () => {
  it('is FORBIDDEN to a USER and UNAUTHENTICATED to nobody', async () => {
    const user = await createActiveUser(server);
    const { accessToken } = await signIn(server, user.email);
    expect(codeOf(await server.gql(USERS, {}, { token: accessToken }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(USERS))).toBe('UNAUTHENTICATED');
  });

  it('answers an admin promoted with the CLI, with limit and offset', async () => {
    const admin = await createActiveUser(server);
    const before = await signIn(server, admin.email);
    const promoted = await cli('promote', admin.email.toUpperCase());
    expect(promoted).toMatchObject({ code: 0, out: [`${admin.email} is now ADMIN`] });
    // Promotion ends the sessions: no token keeps claiming the old role.
    await sleep(400);
    expect(codeOf(await server.gql(ME, {}, { token: before.accessToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(REFRESH, { refreshToken: before.refreshToken }))).toBe(
      'INVALID_TOKEN',
    );
    const tokens = await signIn(server, admin.email);
    expect(tokens.user.role).toBe('ADMIN');

    const all = await server.gql(USERS, {}, { token: tokens.accessToken });
    expect(all.errors).toBeUndefined();
    const emails = (all.data!.users as Array<{ email: string }>).map((u) => u.email);
    expect(emails).toContain(admin.email);
    const page = await server.gql(USERS, { limit: 1, offset: 1 }, { token: tokens.accessToken });
    expect((page.data!.users as unknown[]).length).toBe(1);
    expect((page.data!.users as Array<{ email: string }>)[0]!.email).toBe(emails[1]);
    for (const bad of [{ limit: 0 }, { limit: 101 }, { offset: -1 }]) {
      expect(codeOf(await server.gql(USERS, bad, { token: tokens.accessToken }))).toBe(
        'BAD_USER_INPUT',
      );
    }

    const demoted = await cli('demote', admin.email);
    expect(demoted).toMatchObject({ code: 0, out: [`${admin.email} is now USER`] });
    await sleep(400);
    expect(codeOf(await server.gql(USERS, {}, { token: tokens.accessToken }))).toBe(
      'UNAUTHENTICATED',
    );
    const after = await signIn(server, admin.email);
    expect(codeOf(await server.gql(USERS, {}, { token: after.accessToken }))).toBe('FORBIDDEN');
  });

  it('lists users from the CLI, and reports an unknown address', async () => {
    const user = await createActiveUser(server);
    const listed = await cli('list');
    expect(listed.code).toBe(0);
    expect(listed.out.some((line) => line.startsWith(`${user.email}\tUSER\tactive\t`))).toBe(true);
    const unknown = await cli('promote', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toMatch(/no user/);
  });
});
