/**
 * `npm run build && node dist/bench/scale-check.js [--large 100000] [--seconds 4] [--rounds 3]`: `me`
 * mean latency at 200 req/s over 1,000 sessions (many cold: each is seen about once per
 * SESSION_CACHE_TTL) on a 1,000-user and a large SQLite database, each server warmed the same way.
 * `--uneven` warms them as `npm run bench` does (the small one by the scenarios before, with these very
 * tokens; the large one with a tenth of them), to show what that difference alone costs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcrypt';
import { load } from './load';
import { accessTokens, seedDatabase, type Seeded } from './seed';
import { serverEnv, startServer } from './server';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const LARGE = Number(arg('large', '100000'));
const SECONDS = Number(arg('seconds', '4'));
const ROUNDS = Number(arg('rounds', '3'));
const UNEVEN = process.argv.includes('--uneven');
const RATE = 200;
const TOKENS = 1000;
const SESSION_CACHE_TTL_MS = 5_000;
const ME = JSON.stringify({ query: '{ me { id email role isActive createdAt } }' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/** Open loop: one request every 1/RATE s over keep-alive connections; mean latency in ms. */
/** Mean `me` latency (ms) at RATE req/s over 4 connections, the tokens in turn (the bench's probe). */
async function probe(url: string, tokens: string[], seconds: number): Promise<number> {
  let i = 0;
  const r = await load({
    url,
    connections: 4,
    durationS: seconds,
    overallRate: RATE,
    next: () => ({
      body: ME,
      headers: { authorization: `Bearer ${tokens[i++ % tokens.length]!}` },
    }),
    expect: '{"data":{"me":{"id"',
  });
  if (r.failed > 0) throw new Error(`me: ${r.failed} failed responses`);
  return r.mean;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'authql-scale-'));
  const secret = randomBytes(48).toString('base64url');
  const tokensOf = (seeded: Seeded) => accessTokens(secret, seeded, TOKENS);
  const servers: { stop(): Promise<void> }[] = [];
  try {
    const hash = await bcrypt.hash('bench password 0123', 4);
    const small = await seedDatabase(join(dir, 's.sqlite'), dir, secret, 1000, 1000, hash);
    const large = await seedDatabase(join(dir, 'l.sqlite'), dir, secret, LARGE, 20_000, hash);
    process.stderr.write(`seeded 1000 and ${LARGE} users\n`);
    const s = await startServer('small', serverEnv(secret, join(dir, 's.sqlite'), dir));
    servers.push(s);
    const l = await startServer('large', serverEnv(secret, join(dir, 'l.sqlite'), dir));
    servers.push(l);
    const smallTokens = tokensOf(small);
    const largeTokens = tokensOf(large);
    // Even: each server sees every token once and runs its cold path the same number of times.
    // Uneven (the bench's order): the small server has already served these tokens for many seconds.
    await probe(s.url, smallTokens, UNEVEN ? 20 : 5);
    await probe(l.url, UNEVEN ? largeTokens.slice(0, 100) : largeTokens, UNEVEN ? 0.5 : 5);
    await sleep(SESSION_CACHE_TTL_MS + 500);
    const out = { small: [] as number[], large: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2
        ? (['large', 'small'] as const)
        : (['small', 'large'] as const)) {
        const mean = await probe(
          name === 'small' ? s.url : l.url,
          name === 'small' ? smallTokens : largeTokens,
          SECONDS,
        );
        out[name].push(mean);
        process.stderr.write(`${name}: mean ${mean.toFixed(2)} ms\n`);
      }
    }
    const [sm, lg] = [median(out.small), median(out.large)];
    console.log(
      `me mean latency, ${UNEVEN ? 'uneven' : 'even'} warm-up: ${LARGE} users ${lg.toFixed(2)} ms, 1000 users ${sm.toFixed(2)} ms, ratio ${(lg / sm).toFixed(2)}`,
    );
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
