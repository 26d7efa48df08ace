/**
 * Closed-loop load from `wrk` (Debian's package; C and epoll): a load generator that costs a fraction of
 * what the server under test does, so on a 2-core machine the ratios measure the servers, not the client
 * (autocannon in the bench's own process took about as much CPU as the server it loaded).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

let available: boolean | undefined;

/** Whether `wrk` is on the PATH (and BENCH_LOADGEN does not ask for autocannon). */
export function wrkAvailable(): boolean {
  if (process.env.BENCH_LOADGEN === 'autocannon') return false;
  if (available === undefined) {
    try {
      execFileSync('wrk', ['--version'], { stdio: 'ignore' });
      available = true;
    } catch (err) {
      // wrk prints its version and exits 1: an exit status means it ran.
      available = (err as { status?: number | null }).status != null;
    }
  }
  return available;
}

export interface WrkRequest {
  body: string;
  headers?: Record<string, string>;
}

export interface WrkResult {
  /** Responses with a 2xx status whose body contained `expect`. */
  ok: number;
  failed: number;
  seconds: number;
  /** Latencies in ms (wrk's own histogram, microsecond resolution). */
  p50: number;
  p99: number;
  mean: number;
}

/** A Lua long string that cannot be closed by its content. */
function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

function script(requests: WrkRequest[], expect: string): string {
  const rows = requests.map((r) => {
    const headers = { 'content-type': 'application/json', ...r.headers };
    const lua = Object.entries(headers)
      .map(([name, value]) => `[ ${luaString(name)} ] = ${luaString(value)}`)
      .join(', ');
    return `  {${luaString(r.body)}, {${lua}}},`;
  });
  return `
local specs = {
${rows.join('\n')}
}
local expect = ${luaString(expect)}
local threads = {}
function setup(thread) table.insert(threads, thread) end
-- Globals, not locals: done() reads them from each thread with thread:get().
ok, failed = 0, 0
local prepared, i = {}, 0
function init(args)
  for n, spec in ipairs(specs) do prepared[n] = wrk.format("POST", nil, spec[2], spec[1]) end
end
function request()
  i = i % #prepared + 1
  return prepared[i]
end
function response(status, headers, body)
  if status >= 200 and status < 300 and body and string.find(body, expect, 1, true) then
    ok = ok + 1
  else
    failed = failed + 1
  end
end
function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    bad = bad + thread:get("failed")
  end
  local errors = summary.errors
  bad = bad + errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format('\\nWRKJSON {"ok":%d,"failed":%d,"us":%d,"p50":%f,"p99":%f,"mean":%f}\\n',
    good, bad, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean))
end
`;
}

/** One bounded wrk run: `requests` are sent in turn, round-robin, over `connections`. */
export async function wrkLoad(options: {
  url: string;
  connections: number;
  durationS: number;
  requests: WrkRequest[];
  expect: string;
}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'authql-wrk-'));
  try {
    const file = join(dir, 'load.lua');
    writeFileSync(file, script(options.requests, options.expect));
    const { stdout } = await promisify(execFile)(
      'wrk',
      [
        '-t1',
        `-c${options.connections}`,
        `-d${options.durationS}s`,
        '--timeout',
        '30s',
        '-s',
        file,
        options.url,
      ],
      { maxBuffer: 1 << 20 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line.slice('WRKJSON '.length)) as {
      ok: number;
      failed: number;
      us: number;
      p50: number;
      p99: number;
      mean: number;
    };
    return {
      ok: r.ok,
      failed: r.failed,
      seconds: r.us / 1e6,
      p50: r.p50 / 1000,
      p99: r.p99 / 1000,
      mean: r.mean / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
