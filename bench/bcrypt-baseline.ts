/**
 * The signIn baseline: raw bcrypt.compare at the server's cost, `concurrency` at a time, in one process
 * of its own (as the server is), for `seconds`. Prints {"ok":n,"seconds":s,"rps":r}.
 * Usage: node dist/bench/bcrypt-baseline.js <cost> <concurrency> <seconds>
 */
import bcrypt from 'bcrypt';

async function main(): Promise<void> {
  const [cost, concurrency, seconds] = process.argv.slice(2).map(Number) as [
    number,
    number,
    number,
  ];
  const password = 'bench password 0123';
  const hash = await bcrypt.hash(password, cost);
  await bcrypt.compare(password, hash);
  let ok = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  // Counted like autocannon counts: only what completes before the deadline.
  const loop = async () => {
    while (performance.now() < deadline) {
      if (!(await bcrypt.compare(password, hash))) throw new Error('bcrypt.compare failed');
      if (performance.now() <= deadline) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  process.stdout.write(JSON.stringify({ ok, seconds, rps: ok / seconds }) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
