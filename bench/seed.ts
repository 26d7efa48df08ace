import { randomBytes, randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/sqlite';
import { loadConfig } from '../src/config';
import { migrate, openDatabase } from '../src/database/orm';
import { JwtService } from '../src/tokens/jwt';
import { ServerSecrets } from '../src/tokens/secrets';
import { Role } from '../src/users/role';

export interface SeededSession {
  sessionId: string;
  userId: string;
}

export interface Seeded {
  users: number;
  /** Sessions inserted for the first `sessions.length` users, one each. */
  sessions: SeededSession[];
  emailOf(index: number): string;
  seconds: number;
}

/**
 * Access tokens (1 h) for the first `count` seeded sessions, signed with `secret` as a server started
 * with it would sign them: clients of the bench without a sign-in each.
 */
export function accessTokens(secret: string, seeded: Seeded, count: number): string[] {
  const jwt = new JwtService({
    secrets: new ServerSecrets(secret, []),
    issuer: 'authql',
    audience: 'authql',
    clockSkewSec: 30,
  });
  return seeded.sessions
    .slice(0, count)
    .map(
      (s) =>
        jwt.signAccess(
          { sub: s.userId, sid: s.sessionId, role: Role.USER, amr: ['pwd'], authTime: new Date() },
          3600,
        ).token,
    );
}

const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 50_000;

/** The bench's SQLite database opened the way the app opens it (quiet, test mode). */
export async function openBenchDatabase(dbPath: string, dataDir: string, secret: string) {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${dbPath}`,
    DATA_DIR: dataDir,
    JWT_SECRET: secret,
    LOG_LEVEL: 'silent',
  });
  return { config, orm: await openDatabase(config, () => {}) };
}

export const benchEmail = (index: number) => `user${index}@bench.test`;

/**
 * A fresh SQLite database with `users` activated users (all sharing one precomputed bcrypt hash, so any
 * of them can sign in with the bench password) and one live session for each of the first
 * `sessions` users. Migrations come from the app; rows go in as multi-row INSERTs, many per transaction.
 */
export async function seedDatabase(
  dbPath: string,
  dataDir: string,
  secret: string,
  users: number,
  sessions: number,
  passwordHash: string,
): Promise<Seeded> {
  const started = performance.now();
  const { orm } = await openBenchDatabase(dbPath, dataDir, secret);
  const seededSessions: SeededSession[] = [];
  try {
    await migrate(orm);
    const knex = (orm.em as SqlEntityManager).getKnex();
    // A throwaway database: durability does not matter while seeding.
    await knex.raw('pragma synchronous = off');
    const now = Date.now();
    const expires = now + 30 * 24 * 3600 * 1000;
    const userIds: string[] = [];

    for (let start = 0; start < users; start += ROWS_PER_TRANSACTION) {
      const end = Math.min(users, start + ROWS_PER_TRANSACTION);
      await knex.transaction(async (trx) => {
        for (let from = start; from < end; from += ROWS_PER_INSERT) {
          const rows: string[] = [];
          for (let i = from; i < Math.min(end, from + ROWS_PER_INSERT); i++) {
            const id = randomUUID();
            if (i < sessions) userIds.push(id);
            rows.push(
              `('${id}','${benchEmail(i)}','${passwordHash}','USER',1,${now},${now},${now})`,
            );
          }
          await trx.raw(
            'insert into users (id, email, password_hash, role, is_active, created_at, updated_at, password_changed_at) values ' +
              rows.join(','),
          );
        }
      });
    }

    for (let start = 0; start < userIds.length; start += ROWS_PER_TRANSACTION) {
      const end = Math.min(userIds.length, start + ROWS_PER_TRANSACTION);
      await knex.transaction(async (trx) => {
        for (let from = start; from < end; from += ROWS_PER_INSERT) {
          const rows: string[] = [];
          for (let i = from; i < Math.min(end, from + ROWS_PER_INSERT); i++) {
            const session = { sessionId: randomUUID(), userId: userIds[i]! };
            seededSessions.push(session);
            const hash = randomBytes(32).toString('hex');
            rows.push(
              `('${session.sessionId}','${session.userId}','${hash}',0,${now},${now},${expires})`,
            );
          }
          await trx.raw(
            'insert into sessions (id, user_id, refresh_token_hash, generation, created_at, last_used_at, expires_at) values ' +
              rows.join(','),
          );
        }
      });
    }
    await knex.raw('analyze');
  } finally {
    await orm.close(true);
  }
  return {
    users,
    sessions: seededSessions,
    emailOf: benchEmail,
    seconds: (performance.now() - started) / 1000,
  };
}
