import type { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../config';
import { migrate, openDatabase } from '../database/orm';
import { createLogger } from '../logger';
import { createServices, type Services } from '../services';
import { Role } from '../users/role';
import { User } from '../users/user.entity';
import type { CliCommand } from './command';

/** Opens the configured database (SQLite or PostgreSQL, from the same environment as the server). */
async function withServices<T>(
  task: (orm: MikroORM, services: Services) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const logger = createLogger('warn');
  const orm = await openDatabase(config, () => {});
  let services: Services | undefined;
  try {
    await migrate(orm);
    services = createServices(config, orm, logger);
    // Mail queued here (none today) is delivered by a running server's outbox.
    return await task(orm, services);
  } finally {
    await services?.hasher.close();
    await orm.close(true);
  }
}

const setRole = (name: string, role: Role, verb: string): CliCommand => ({
  name,
  usage: `${name} <email>`,
  description: `${verb}; ends the user's sessions so no token keeps the old role`,
  async run(args, io) {
    if (args.length !== 1) {
      io.err(`usage: npm run cli -- ${name} <email>`);
      return 2;
    }
    return withServices(async (orm, services) => {
      const user = await services.admin.setRoleByEmail(orm.em.fork(), args[0]!, role);
      if (!user) {
        io.err(`no user with the email ${args[0]}`);
        return 1;
      }
      io.out(`${user.email} is now ${user.role}`);
      return 0;
    });
  },
});

export const userCommands: CliCommand[] = [
  setRole('promote', Role.ADMIN, 'make the user an ADMIN'),
  setRole('demote', Role.USER, 'make the user a USER again'),
  {
    name: 'list',
    usage: 'list',
    description: 'list users: email, role, active, created',
    async run(_args, io) {
      return withServices(async (orm) => {
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
