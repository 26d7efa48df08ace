import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export interface ServerHandle {
  label: string;
  url: string;
  origin: string;
  pid: number;
  /** Resident set size of the server process, in bytes (Linux /proc). */
  rss(): number;
  /** Full GC in the server (only when started with the gc-on-signal preload), then its memory. */
  afterGc(): Promise<{ rss: number; heapUsed: number }>;
  /**
   * Memory once the idle server has given back what it holds only because it was just busy: V8 keeps
   * the heap it grew under load (new space, free old-space pages) for several seconds and its memory
   * reducer returns it once the process idles. Full GC every 2.5 s until RSS changes by < 2 % (12 s at
   * least), or `maxS`.
   */
  settled(maxS: number): Promise<{ rss: number; heapUsed: number; seconds: number }>;
  stop(): Promise<void>;
}

/** The environment every bench server gets: production mode, quiet logs, no rate limit in the way. */
export function serverEnv(
  secret: string,
  dbPath: string,
  dataDir: string,
  extra: NodeJS.ProcessEnv = {},
) {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${dbPath}`,
    JWT_SECRET: secret,
    // No SMTP server in the bench: production writes mail to files only when told so.
    MAIL_TRANSPORT: 'file',
    BCRYPT_COST: '12',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_SIGNIN_PER_IP: '1000000',
    RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '1000000',
    ...extra,
  };
}

/** User and system CPU seconds the process has used so far (Linux /proc, 100 ticks/s). */
function cpuTimesOf(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU time (user + system) the process has used so far, in seconds. */
export function cpuSecondsOf(pid: number): number {
  const { user, system } = cpuTimesOf(pid);
  return user + system;
}

/** The pids of a process's children (a cluster primary's workers), from /proc. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * CPU seconds of the process and every live descendant (a cluster primary and its workers); with
 * `kernelOnly`, system time only.
 */
export function treeCpuSecondsOf(pid: number, kernelOnly = false): number {
  let total = 0;
  try {
    total = kernelOnly ? cpuTimesOf(pid).system : cpuSecondsOf(pid);
  } catch {
    return 0;
  }
  for (const child of childrenOf(pid)) total += treeCpuSecondsOf(child, kernelOnly);
  return total;
}

/** Busy CPU seconds of the whole machine so far, every core (Linux /proc/stat, 100 ticks/s). */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // idle and iowait (4th and 5th) are not busy.
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs `node dist/src/main.js` in a child process and waits for its "listening" line. */
export function startServer(
  label: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
  /** Another script printing the same "listening" line (the baselines of bench/floor.ts). */
  script: string[] = [MAIN],
): Promise<ServerHandle> {
  const child = spawn(process.execPath, [...nodeArgs, ...script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let lastGc = { heapUsed: NaN };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${label}: not listening after 60 s`)), 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output}`));
    };
    child.once('exit', (code) => fail(new Error(`${label}: server exited with ${code}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.startsWith('[gc] ')) lastGc = JSON.parse(text.slice(5)) as { heapUsed: number };
      output += text;
      if (output.length > 20_000) output = output.slice(-10_000);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /authql listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const url = match[1]!;
      resolve({
        label,
        url,
        origin: new URL(url).origin,
        pid: child.pid!,
        rss: () => rssOf(child.pid!),
        afterGc: async () => {
          child.kill('SIGUSR2');
          await new Promise((r) => setTimeout(r, 1000));
          return { rss: rssOf(child.pid!), heapUsed: lastGc.heapUsed };
        },
        settled: async (maxS) => {
          const began = performance.now();
          let last = { rss: rssOf(child.pid!), heapUsed: NaN };
          while (performance.now() - began < maxS * 1000) {
            await new Promise((r) => setTimeout(r, 1500));
            child.kill('SIGUSR2');
            await new Promise((r) => setTimeout(r, 1000));
            const now = { rss: rssOf(child.pid!), heapUsed: lastGc.heapUsed };
            const stable = Math.abs(now.rss - last.rss) < 0.02 * last.rss;
            last = now;
            // V8's memory reducer first acts some 8 s into an idle period: do not stop before that.
            if (stable && performance.now() - began >= Math.min(12, maxS) * 1000) break;
          }
          return { ...last, seconds: (performance.now() - began) / 1000 };
        },
        stop: () => stopChild(child),
      });
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Time from spawning `npm start` to the first `200` from /health. The server is built already and the
 * database migrated; `/health` is polled every 5 ms.
 */
export async function timeStartup(env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const deadline = started + 30_000;
    while (performance.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`npm start exited with ${child.exitCode}\n${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`)
        .then((res) => res.status === 200)
        .catch(() => false);
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`npm start: /health not healthy after 30 s\n${stderr}`);
  } finally {
    // npm runs node in a child of its own: signal the whole group this bench started.
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
  }
}
