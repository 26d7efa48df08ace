import { readFileSync } from 'node:fs';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { Client } from 'pg';
import { createActiveUser, REFRESH, SIGN_IN, type Tokens } from './helpers/flows';
import { startTestServer, type TestServer } from './helpers/server';

/** Main-thread CPU of this process (bcrypt's threadpool excluded), in ms: /proc/self/task/<pid>/stat. */
const mainThreadCpuMs = () => {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks
};

/**
 * What one sign-in and one refresh cost the database: the statements they send. The write path of a
 * sign-in is the session and the event, all or none (one statement on PostgreSQL, one transaction on
 * SQLite), with no UPDATE of rows that did not change
 * (a flush computing change sets over what the request loaded) and no SELECT to check what a write
 * can check itself. `MEASURE=200` also prints main-thread CPU per request over that many sequential tries
 * (over HTTP, and of the sign-in service alone).
 */
describe('the write path of a sign-in and a refresh', () => {
  let server: TestServer;
  let statements: string[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    // Housekeeping's first sweep comes a second after start: on a loaded machine it lands inside a
    // counted request. Its deletes are no part of a sign-in.
    await server.app.services.housekeeping.stop();
    if (process.env.AUTHQL_TEST_POSTGRES) {
      // Every statement on the wire, the rate limiter's too (it queries its pool's connections directly).
      type Query = (this: unknown, config: unknown, ...rest: unknown[]) => unknown;
      const proto = Client.prototype as unknown as { query: Query };
      const query = proto.query;
      proto.query = function (config, ...rest) {
        statements.push(typeof config === 'string' ? config : (config as { text: string }).text);
        return query.call(this, config, ...rest);
      };
    } else {
      const knex = (server.app.orm.em as unknown as SqlEntityManager).getKnex();
      knex.on('query', (q: { sql: string }) => statements.push(q.sql));
    }
  });
  afterAll(() => server.close());

  // The mail outbox polls on its own timer (the sign-up's activation mail left through it), and a poll
  // may land inside a counted request; a sign-in or a refresh queues no mail.
  const ownTimer = (sql: string) => /\bmail_outbox\b/.test(sql);
  const counted = async <T>(run: () => Promise<T>) => {
    statements = [];
    const result = await run();
    return { result, statements: statements.filter((s) => !ownTimer(s)) };
  };
  const isWrite = (sql: string) => /^\s*(insert|update|delete)\b/i.test(sql);
  /** Writes, a data-modifying WITH (PostgreSQL's sign-in statement) among them. */
  const writesOf = (sql: string[]) => sql.filter((s) => isWrite(s) || /^with /i.test(s));
  const isBegin = (sql: string) => /^\s*(begin|start transaction|savepoint)\b/i.test(sql);

  it('signIn: the session and the event all or none (one statement on PostgreSQL), no other write', async () => {
    const user = await createActiveUser(server);
    await server.gql(SIGN_IN, { email: user.email, password: user.password }); // warm
    const { result, statements: sql } = await counted(() =>
      server.gql<{ signIn: Tokens }>(SIGN_IN, { email: user.email, password: user.password }),
    );
    expect(result.errors).toBeUndefined();
    const orm = writesOf(sql).filter((s) => !/rate_limits/i.test(s));
    if (process.env.AUTHQL_TEST_POSTGRES) {
      // One statement, one round trip: the session and the event together, no BEGIN and COMMIT.
      expect(orm).toEqual([
        expect.stringMatching(
          /^with \S+ as \(insert into "sessions" .*\) insert into "security_events"/is,
        ),
      ]);
      expect(sql.filter(isBegin)).toHaveLength(0);
    } else {
      expect(orm.map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual([
        expect.stringMatching(/^insert into .sessions./i),
        expect.stringMatching(/^insert into .security_events./i),
      ]);
      expect(sql.filter(isBegin)).toHaveLength(1);
    }
    if (process.env.MEASURE) {
      console.log(
        `signIn statements (${sql.length}):\n${sql.map((s) => s.slice(0, 120)).join('\n')}`,
      );
    }
  });

  it('refreshToken: one conditional UPDATE of the session and no transaction', async () => {
    const user = await createActiveUser(server);
    const signedIn = await server.gql<{ signIn: Tokens }>(SIGN_IN, {
      email: user.email,
      password: user.password,
    });
    const { result, statements: sql } = await counted(() =>
      server.gql<{ refreshToken: Tokens }>(REFRESH, {
        refreshToken: signedIn.data!.signIn.refreshToken,
      }),
    );
    expect(result.errors).toBeUndefined();
    // The session's rotation, conditional on the token presented (its WHERE), in no transaction.
    expect(writesOf(sql).filter((s) => !/rate_limit/i.test(s))).toEqual([
      expect.stringMatching(/^update .sessions. .* where/i),
    ]);
    expect(sql.filter(isBegin)).toHaveLength(0);
    if (process.env.MEASURE) {
      console.log(
        `refresh statements (${sql.length}):\n${sql.map((s) => s.slice(0, 120)).join('\n')}`,
      );
    }
  });

  const measure = Number(process.env.MEASURE ?? 0);
  (measure ? it : it.skip)(
    'prints main-thread CPU per signIn below HTTP and GraphQL',
    async () => {
      const user = await createActiveUser(server);
      const client = { ip: '127.0.0.1', userAgent: 'measure' };
      const { services, orm } = server.app;
      const signIn = () => services.signIn.signIn(orm.em.fork(), user.email, user.password, client);
      for (let i = 0; i < 300; i++) await signIn(); // JIT warm-up
      const runs: number[] = [];
      for (let round = 0; round < 5; round++) {
        const t0 = mainThreadCpuMs();
        for (let i = 0; i < measure; i++) await signIn();
        runs.push((mainThreadCpuMs() - t0) / measure);
      }
      const sorted = [...runs].sort((a, b) => a - b);
      console.log(
        `service signIn main-thread CPU ms, median of 5 x ${measure}: ${sorted[2]!.toFixed(2)} ` +
          `[${runs.map((v) => v.toFixed(2)).join(' ')}]`,
      );
    },
    600_000,
  );

  (measure ? it : it.skip)(
    'prints main-thread CPU per request',
    async () => {
      const user = await createActiveUser(server);
      const vars = { email: user.email, password: user.password };
      for (let i = 0; i < 20; i++) await server.gql(SIGN_IN, vars); // JIT warm-up
      const signIns: number[] = [];
      const refreshes: number[] = [];
      for (let round = 0; round < 5; round++) {
        let tokens: Tokens[] = [];
        let t0 = mainThreadCpuMs();
        for (let i = 0; i < measure; i++) {
          tokens.push((await server.gql<{ signIn: Tokens }>(SIGN_IN, vars)).data!.signIn);
        }
        signIns.push((mainThreadCpuMs() - t0) / measure);
        t0 = mainThreadCpuMs();
        for (const t of tokens) await server.gql(REFRESH, { refreshToken: t.refreshToken });
        refreshes.push((mainThreadCpuMs() - t0) / measure);
        tokens = [];
      }
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!.toFixed(2);
      console.log(
        `main-thread CPU ms per request (client included), median of 5 x ${measure}: ` +
          `signIn ${median(signIns)} [${signIns.map((v) => v.toFixed(2)).join(' ')}], ` +
          `refresh ${median(refreshes)} [${refreshes.map((v) => v.toFixed(2)).join(' ')}]`,
      );
    },
    600_000,
  );
});
