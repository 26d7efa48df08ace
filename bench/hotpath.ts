/**
 * `npm run build && node dist/bench/hotpath.js [--seconds 5] [--rounds 3] [--prof DIR]`: the `me` hot
 * path against `{ __typename }` on one built server (production mode, SQLite, 1 worker), loaded by wrk
 * (16 connections, one thread), with the server's CPU time per request read from /proc. CPU per request
 * moves far less than req/s on a shared machine. `--prof DIR` runs the server under `--cpu-prof`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { accessTokens, seedDatabase } from './seed';
import { serverEnv, startServer, treeCpuSecondsOf } from './server';
import { wrkLoad, type WrkRequest } from './wrk';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const SECONDS = Number(arg('seconds', '5'));
const ROUNDS = Number(arg('rounds', '3'));
const PROF = arg('prof', '');
// `--only me`: load only `me` (for a profile of the hot path alone).
const ONLY = arg('only', '');
// `--ttl 60s`: the server's SESSION_CACHE_TTL (default 5s), to tell cache misses from the hot path.
const TTL = arg('ttl', '');
const SAME_CLIENT = process.argv.includes('--same-client');
const SESSIONS = Number(arg('sessions', '100'));
// `--workers auto`: the server's WORKERS (default 1).
const WORKERS = arg('workers', '1');
const ME = JSON.stringify({ query: '{ me { id email role isActive createdAt } }' });
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'authql-hotpath-'));
  const secret = randomBytes(48).toString('base64url');
  try {
    const hash = await bcrypt.hash('bench password 0123', 4);
    const db = join(dir, 'hot.sqlite');
    const seeded = await seedDatabase(db, dir, secret, 1000, SESSIONS, hash);
    const tokens = accessTokens(secret, seeded, SESSIONS);
    const withTokens = (body: string): WrkRequest[] =>
      tokens.map((token) => ({ body, headers: { authorization: `Bearer ${token}` } }));
    const requests = {
      me: withTokens(ME),
      // `--same-client`: `{ __typename }` carries the same Authorization headers (never read for it), so
      // wrk and the server's HTTP layer do the same work for both and only `me`'s own work differs.
      typename: SAME_CLIENT ? withTokens(TYPENAME) : [{ body: TYPENAME }],
    };
    const nodeArgs = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [];
    const env = serverEnv(secret, db, dir, {
      WORKERS,
      ...(TTL ? { SESSION_CACHE_TTL: TTL } : {}),
    });
    const server = await startServer('hotpath', env, nodeArgs);
    try {
      const check = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
        body: ME,
      }).then((r) => r.text());
      if (!check.startsWith('{"data":{"me":{"id"')) throw new Error(`me failed: ${check}`);
      const measure = async (name: 'me' | 'typename', label: string = name) => {
        const before = treeCpuSecondsOf(server.pid);
        const sys0 = treeCpuSecondsOf(server.pid, true);
        const r = await wrkLoad({
          url: server.url,
          connections: 16,
          durationS: SECONDS,
          requests: requests[name],
          expect: name === 'me' ? '{"data":{"me":{"id"' : '"__typename":"Query"',
        });
        if (r.failed > 0) throw new Error(`${name}: ${r.failed} failed responses`);
        const rps = r.ok / r.seconds;
        const cpuUs = ((treeCpuSecondsOf(server.pid) - before) / r.ok) * 1e6;
        const sysUs = ((treeCpuSecondsOf(server.pid, true) - sys0) / r.ok) * 1e6;
        process.stderr.write(
          `${label}: ${rps.toFixed(0)} req/s, ${cpuUs.toFixed(1)} µs, of which kernel ${sysUs.toFixed(1)} µs (${r.ok} requests)\n`,
        );
        return { rps, cpuUs };
      };
      // Warm-up (JIT, caches), not counted.
      if (ONLY !== 'me') await measure('typename', 'warm-up typename');
      if (ONLY !== 'typename') await measure('me', 'warm-up me');
      type Run = { rps: number; cpuUs: number };
      const out = { me: [] as Run[], typename: [] as Run[] };
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? (['me', 'typename'] as const) : (['typename', 'me'] as const);
        for (const name of order) if (!ONLY || name === ONLY) out[name].push(await measure(name));
      }
      if (ONLY) return;
      const me = { rps: median(out.me.map((r) => r.rps)), cpu: median(out.me.map((r) => r.cpuUs)) };
      const tn = {
        rps: median(out.typename.map((r) => r.rps)),
        cpu: median(out.typename.map((r) => r.cpuUs)),
      };
      console.log(
        `typename ${tn.rps.toFixed(0)} req/s ${tn.cpu.toFixed(1)} µs | me ${me.rps.toFixed(0)} req/s ${me.cpu.toFixed(1)} µs | ratio rps ${(me.rps / tn.rps).toFixed(2)}, cpu ${(tn.cpu / me.cpu).toFixed(2)}`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
