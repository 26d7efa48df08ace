import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { postGraphql, type GqlResult } from './http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Inbox } from './inbox';
import { createDatabase, LIFTED_LIMITS, TEST_SECRET } from './server';

const ENTRY = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface AuthqlProcess {
  child: ChildProcess;
  url: string;
  origin: string;
  output: () => string;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<T>>;
  /** Sends a signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  exited: Promise<number | string>;
}

/** The modes a process test runs in: as users run the server, never only NODE_ENV=test. */
export const PROCESS_MODES = ['production', 'development'] as const;

/**
 * A real `node dist/src/main.js` process (built by jest's global setup), listening on a free port.
 * Production by default, with what production requires (a secret, BCRYPT_COST >= 10); `env` needs
 * SMTP_URL (or MAIL_TRANSPORT=file) there.
 */
export async function spawnAuthql(env: Record<string, string>): Promise<AuthqlProcess> {
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      JWT_SECRET: TEST_SECRET,
      BCRYPT_COST: '10',
      ...LIFTED_LIMITS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the failed test (on a loaded machine, dozens starved the next runs).
      child.kill('SIGKILL');
      reject(new Error(`authql did not start:\n${out}`));
    }, 20_000);
    const onData = () => {
      const match = /authql listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`authql exited (${code}) before listening:\n${out}`));
    });
  });
  return {
    child,
    url,
    origin: new URL(url).origin,
    output: () => out,
    exited,
    gql: (query, variables, token) => postGraphql(url, query, variables, { token }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

// One /proc reading for the bench and the tests.
export { childrenOf } from '../../bench/server';

export interface ProcessFixture {
  readonly inbox: Inbox;
  readonly databaseUrl: string;
  /** Spawns one more authql process on the shared database and inbox; killed after the file. */
  start(extra?: Record<string, string>): Promise<AuthqlProcess>;
}

/**
 * For a test file (or describe block) that runs real processes, in production unless `settings`
 * names another NODE_ENV: one database, one SMTP inbox and the common settings,
 * set up before the file's tests and torn down (processes killed) after them.
 */
export function useProcesses(settings: Record<string, string> = {}): ProcessFixture {
  let dir = '';
  let inbox: Inbox | null = null;
  let database: { url: string; drop(): Promise<void> } | null = null;
  const running: AuthqlProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authql-process-'));
    inbox = await new Inbox().start();
    // Empty, as `npm start` finds it on a new machine: the first process migrates it.
    database = await createDatabase(dir, { empty: true });
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await inbox?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get inbox() {
      return inbox!;
    },
    get databaseUrl() {
      return database!.url;
    },
    async start(extra = {}) {
      const proc = await spawnAuthql({
        DATABASE_URL: database!.url,
        DATA_DIR: dir,
        SMTP_URL: inbox!.url,
        APP_URL: 'http://app.test',
        MAIL_POLL_INTERVAL: '100ms',
        MAIL_RETRY_BACKOFF: '100ms',
        ...settings,
        ...extra,
      });
      running.push(proc);
      return proc;
    },
  };
}
