import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LIFTED_LIMITS, type GqlResult } from './server';

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

/** A real `node dist/src/main.js` process (built by jest's global setup), listening on a free port. */
export async function spawnAuthql(env: Record<string, string>): Promise<AuthqlProcess> {
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
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
    const timer = setTimeout(() => reject(new Error(`authql did not start:\n${out}`)), 20_000);
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
    async gql(query, variables, token) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Record<string, any>;
      return { status: res.status, data: body.data, errors: body.errors, body };
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
