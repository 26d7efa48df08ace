import autocannon from 'autocannon';
import { wrkAvailable, wrkLoad, type WrkResult } from './wrk';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; or give `amount` to stop after that many requests. */
  durationS?: number;
  amount?: number;
  /** Requests per second over all connections (open loop), for latency probes. */
  overallRate?: number;
  /** Called once per request: its JSON body and extra headers. */
  next: () => { body: string; headers?: Record<string, string> };
  /** A 2xx response whose body does not contain this counts as an error, not as served. */
  expect: string;
}

/** Distinct requests wrk cycles through (it cannot call `next`): drawn from `next` up front. */
const WRK_VARIANTS = 1_000;

/** wrk's counts, or autocannon's (its latencies then kept at microsecond resolution, not whole ms). */
export interface LoadResult extends WrkResult {
  /** Successful (2xx and verified) responses per second of wall time. */
  rps: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One bounded load run on loopback. Timed closed-loop runs use `wrk` when it is installed (a C client
 * that leaves the cores to the server); open-loop (`overallRate`) and counted (`amount`) runs, and
 * machines without wrk, use autocannon in this process.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.overallRate || options.amount || !wrkAvailable()) return autocannonLoad(options);
  // wrk takes whole seconds; rates come from the duration it reports.
  const durationS = Math.max(1, Math.round(options.durationS ?? 5));
  const requests = Array.from({ length: WRK_VARIANTS }, () => options.next());
  const r = await wrkLoad({
    url: options.url,
    connections: options.connections,
    durationS,
    requests,
    expect: options.expect,
  });
  // No answer within the run (a slow sign-in on a short run): no latency to report, not a zero one.
  if (r.ok + r.failed === 0) return { ...r, rps: 0, p50: NaN, p99: NaN, mean: NaN };
  return { ...r, rps: r.ok / r.seconds };
}

/** Which load generator `load` uses for timed closed-loop runs (printed with the results). */
export const loadGenerator = () => (wrkAvailable() ? 'wrk' : 'autocannon');

async function autocannonLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let status2xx = 0;
  let other = 0;
  const started = performance.now();
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        pipelining: 1,
        timeout: 30,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationS ?? 5 }),
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              const { body, headers } = options.next();
              return { ...request, body, headers: { ...request.headers, ...headers } };
            },
          },
        ],
        verifyBody: (body) => typeof body === 'string' && body.includes(options.expect),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
    if (statusCode >= 200 && statusCode < 300) status2xx++;
    else other++;
    latencies.push(ms);
  });
  const result = await done;
  // A timed run counts what completed within its duration (in-flight requests at the end are dropped).
  const seconds = options.amount ? (performance.now() - started) / 1000 : (options.durationS ?? 5);
  const ok = status2xx - result.mismatches;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    rps: ok / seconds,
    ok,
    failed: other + result.mismatches + result.errors + result.timeouts,
    seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((sum, v) => sum + v, 0) / (sorted.length || 1),
  };
}
