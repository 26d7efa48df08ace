import type { MikroORM } from '@mikro-orm/core';
import type { Services } from '../services';
import { Role } from '../users/role';
import type { CliCommand } from './command';

/** Thrown when the CLI's environment is not the server's: nothing was written. */
class RefusedToWrite extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * Opens the configured database (SQLite or PostgreSQL, from the same environment as the server).
 * With `writes`, first checks that this environment is the one the server last started with: what
 * the CLI seals (webhook rows) must open with the server's key, and what the server would queue it
 * must queue too. Loaded lazily: `--help` and the file commands need no ORM.
 */
async function withServices<T>(
  options: { writes: boolean },
  task: (orm: MikroORM, services: Services) => Promise<T>,
): Promise<T> {
  const [
    { loadConfig },
    { migrate, openDatabase },
    { createLogger },
    { createServices },
    settings,
  ] = await Promise.all([
    import('../config'),
    import('../database/orm'),
    import('../logger'),
    import('../services'),
    import('../database/server-settings'),
  ]);
  const config = loadConfig();
  const logger = createLogger('warn');
  const orm = await openDatabase(config, () => {});
  let services: Services | undefined;
  try {
    await migrate(orm);
    services = createServices(config, orm, logger);
    if (options.writes) {
      const problems = settings.writeRefusals(
        {
          ...settings.deploymentOf(config, services.secrets),
          driver: config.database.driver,
          developmentSecret: config.jwt.developmentSecret,
        },
        await settings.recordedDeployment(orm.em.fork()),
      );
      if (problems.length > 0) throw new RefusedToWrite(problems);
    }
    // Mail and webhooks queued here are delivered by a running server's outbox.
    return await task(orm, services);
  } finally {
    await services?.hasher.close();
    await orm.close(true);
  }
}

/** Runs `task`; a refusal is printed (one line per reason) and exits 1. */
async function refusing(
  io: { err: (line: string) => void },
  task: () => Promise<number>,
): Promise<number> {
  try {
    return await task();
  } catch (err) {
    if (!(err instanceof RefusedToWrite)) throw err;
    for (const problem of err.problems) io.err(`refused: ${problem}`);
    io.err('nothing was changed');
    return 1;
  }
}

const setRole = (name: string, role: Role, verb: string): CliCommand => ({
  name,
  usage: `${name} <email>`,
  description: `${verb}; ends the user's sessions so no token keeps the old role`,
  help: [
    '',
    'Needs the server environment: DATABASE_URL, NODE_ENV, JWT_SECRET (or JWT_PRIVATE_KEY), and',
    'WEBHOOK_URL/WEBHOOK_SECRET when the server sends webhooks (the change queues user.role_changed).',
    "Refuses, changing nothing, when the secret or the webhook settings are not the server's, or when",
    'it would write to PostgreSQL with the development secret.',
  ],
  async run(args, io) {
    if (args.length !== 1) {
      io.err(`usage: npm run cli -- ${name} <email>`);
      return 2;
    }
    return refusing(io, () =>
      withServices({ writes: true }, async (orm, services) => {
        const user = await services.admin.setRoleByEmail(orm.em.fork(), args[0]!, role);
        if (!user) {
          io.err(`no user with the email ${args[0]}`);
          return 1;
        }
        io.out(`${user.email} is now ${user.role}`);
        return 0;
      }),
    );
  },
});

export const userCommands: CliCommand[] = [
  setRole('promote', Role.ADMIN, 'make the user an ADMIN'),
  setRole('demote', Role.USER, 'make the user a USER again'),
  {
    name: 'list',
    usage: 'list',
    description: 'list users: email, role, active, created',
    help: ['', 'Reads only: DATABASE_URL is all it needs.'],
    async run(_args, io) {
      const { User } = await import('../users/user.entity');
      return withServices({ writes: false }, async (orm) => {
        const users = await orm.em
          .fork()
          .find(User, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
        for (const u of users) {
          io.out(
            `${u.email}\t${u.role}\t${u.isActive ? 'active' : 'inactive'}\t${u.createdAt.toISOString()}`,
          );
        }
        io.out(`${users.length} user(s)`);
        return 0;
      });
    },
  },
];
