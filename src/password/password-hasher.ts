import { Worker } from 'node:worker_threads';
import { TooManyRequestsError } from '../errors';
import { randomSecret } from '../tokens/random';
import { normalizePassword } from './password-policy';

// Each hash runs synchronously on a worker thread of its own that lowers its OS priority first: on a
// busy machine the event loop and the database threads get the CPU before bcrypt does, so a burst of
// sign-ins slows sign-ins rather than every other request. An idle CPU still goes to bcrypt in full.
// Linux: /proc/thread-self names this thread's TID, and setpriority() on a TID renices that thread only.
// Elsewhere the call fails and the worker hashes at normal priority. Plain JavaScript (eval), so the
// same source runs under ts-jest and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, workerData.nice);
} catch {}
parentPort.on('message', ({ op, password, saltOrHash }) => {
  try {
    const value = op === 'hash' ? bcrypt.hashSync(password, saltOrHash) : bcrypt.compareSync(password, saltOrHash);
    parentPort.postMessage({ value });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
`;

/** Niceness of the hashing threads: they lose most contended time slices, never an idle core. */
const HASHING_NICE = 10;

type Job =
  | { op: 'hash'; password: string; saltOrHash: number }
  | { op: 'compare'; password: string; saltOrHash: string };

export interface PasswordHasherOptions {
  /** bcrypt's work factor for new hashes (a compare uses the hash's own). */
  cost: number;
  /** Hashes run at once, each on a thread of its own. Default 1. */
  threads?: number;
  /** Hashes allowed to wait for a thread; one more throws TOO_MANY_REQUESTS. Default: no limit. */
  queueLimit?: number;
}

/**
 * bcrypt off the event loop, on at most `threads` worker threads at a lowered OS priority (above);
 * at most `queueLimit` further hashes wait here, and one more throws TOO_MANY_REQUESTS at once (a flood
 * must not put minutes of hashes in front of everyone). Hashing stays off libuv's pool, which SQLite
 * and fs need for every query. Passwords are NFC-normalised here, so every hash and compare agrees.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: Array<(worker: Worker | null) => void> = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;
  /** Told how long each hash waited for a thread (metrics). */
  onWait: ((ms: number) => void) | null = null;

  private readonly cost: number;
  private readonly threads: number;
  private readonly queueLimit: number;

  constructor(options: PasswordHasherOptions) {
    this.cost = options.cost;
    this.threads = options.threads ?? 1;
    this.queueLimit = options.queueLimit ?? Infinity;
  }

  /** Throws TOO_MANY_REQUESTS when the queue is full. */
  hash(password: string): Promise<string> {
    const job = {
      op: 'hash',
      password: normalizePassword(password),
      saltOrHash: this.cost,
    } as const;
    return this.run(job) as Promise<string>;
  }

  /**
   * Throws TOO_MANY_REQUESTS when the queue is full. A null hash (an account without a password)
   * fails after the same work as a wrong password.
   */
  verify(password: string, hash: string | null): Promise<boolean> {
    if (hash === null) return this.dummyVerify(password);
    const job = { op: 'compare', password: normalizePassword(password), saltOrHash: hash } as const;
    return this.run(job) as Promise<boolean>;
  }

  /** Hashes waiting for a thread (not those running). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Same work as a real compare, for unknown accounts: sign-in timing must not reveal who is registered. */
  async dummyVerify(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomSecret(16));
    await this.verify(password, await this.dummyHash);
    return false;
  }

  /** Computes the dummy hash up front so the first unknown-user sign-in is not the fast one. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash(randomSecret(16));
    const hash = await this.dummyHash;
    // Closed while hashing (a shutdown soon after boot): no thread is left for the compare, and
    // nothing failed.
    if (this.closed) return;
    await this.verify('warm-up', hash);
  }

  /** Ends the hashing threads once the hashes in progress are done; hashes still queued fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(null);
    // Never terminate a thread inside bcrypt's native call: the addon then throws into a dying
    // environment and the whole process aborts (seen in CI as "terminate called ... Napi::Error").
    await Promise.allSettled([...this.inFlight]);
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private run(job: Job): Promise<string | boolean> {
    const busy = this.idle.length === 0 && this.all.size >= this.threads;
    if (busy && this.waiting.length >= this.queueLimit) {
      return Promise.reject(new TooManyRequestsError(1, 'bcrypt-queue'));
    }
    const running = this.runOnWorker(job);
    this.inFlight.add(running);
    void running.catch(() => {}).finally(() => this.inFlight.delete(running));
    return running;
  }

  private async runOnWorker(job: Job): Promise<string | boolean> {
    const queuedAt = performance.now();
    const worker = await this.acquire();
    this.onWait?.(performance.now() - queuedAt);
    // Referenced only while hashing: a caller awaiting a hash keeps the process alive, idle threads do not.
    worker.ref();
    try {
      return await new Promise<string | boolean>((resolve, reject) => {
        const onExit = () => reject(new Error('bcrypt worker exited'));
        worker.once('exit', onExit);
        worker.once('message', (reply: { value?: string | boolean; error?: string }) => {
          worker.off('exit', onExit);
          if (reply.error !== undefined) reject(new Error(reply.error));
          else resolve(reply.value!);
        });
        worker.postMessage(job);
      });
    } finally {
      worker.unref();
      this.release(worker);
    }
  }

  private acquire(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error('password hasher closed'));
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    if (this.all.size < this.threads) return Promise.resolve(this.spawn());
    return new Promise((resolve, reject) =>
      this.waiting.push((worker) =>
        worker ? resolve(worker) : reject(new Error('password hasher closed')),
      ),
    );
  }

  private release(worker: Worker): void {
    const alive = this.all.has(worker);
    // Hands the thread straight to the next waiter, first come first served; a thread that died is
    // replaced for it, so queued hashes never wait on a thread that is gone.
    const next = this.waiting.shift();
    if (next) next(alive ? worker : this.spawn());
    else if (alive) this.idle.push(worker);
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bcryptPath: require.resolve('bcrypt'), nice: HASHING_NICE },
    });
    worker.unref();
    worker.on('error', () => this.all.delete(worker));
    worker.on('exit', () => {
      this.all.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    this.all.add(worker);
    return worker;
  }
}
