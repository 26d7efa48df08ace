'use strict';
// Builds only what a changed source needs (used by `npm start`, `npm run cli` and jest): the server
// with tsc when its sources changed (tens of seconds), the admin console with esbuild when the
// console's or the client's did (a fraction of a second). Checking the stamps takes milliseconds.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { CONSOLE_STAMP } = require('./build-console');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');
const cliEntry = join(root, 'dist', 'src', 'cli', 'cli.js');
const stamp = join(root, 'dist', '.build-stamp');
const SERVER_SOURCES = [
  'src',
  'scripts',
  'bench',
  'mikro-orm.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];
const CONSOLE_SOURCES = ['console', 'client/src', 'scripts/build-console.js', 'package-lock.json'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (max, name) => Math.max(max, newestMtime(join(path, name))),
    stat.mtimeMs,
  );
}

/** True when `stampFile` is missing or older than a file under `sources`. */
function stale(stampFile, sources) {
  if (!existsSync(stampFile)) return true;
  const built = statSync(stampFile).mtimeMs;
  return sources.some((p) => existsSync(join(root, p)) && newestMtime(join(root, p)) > built);
}

function run(script, args, what) {
  const result = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
}

/** Builds what a source changed since its last build needs; returns `target` (a file under dist/). */
function ensureBuilt(target = entry) {
  if (!existsSync(target) || stale(stamp, SERVER_SOURCES)) {
    // On stderr: the CLI's stdout is its output (`npm run cli -- list | ...`).
    console.error('authql: building...');
    const started = new Date();
    run(require.resolve('typescript/bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], 'build');
    writeFileSync(stamp, started.toISOString() + '\n');
    // Dated when the build started: a source saved while tsc ran is newer, so the next run rebuilds.
    utimesSync(stamp, started, started);
  }
  // The admin console's bundle, served by the server under /admin; it dates its own stamp.
  if (stale(CONSOLE_STAMP, CONSOLE_SOURCES))
    run(join(__dirname, 'build-console.js'), [], 'console build');
  return target;
}

module.exports = { ensureBuilt, entry, cliEntry };

// `node scripts/build-if-needed.js dist/bench/run.js ...args`: build if needed, then run that file.
if (require.main === module) {
  const [target, ...args] = process.argv.slice(2);
  if (!target) process.exit(0);
  ensureBuilt();
  process.argv = [process.argv[0], join(root, target), ...args];
  require(join(root, target));
}
