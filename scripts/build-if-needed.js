'use strict';
// Compiles with tsc (and bundles the admin console) only when a source file is newer than the last build (used by `npm start`,
// `npm run cli` and jest): checking the stamp takes milliseconds, a build tens of seconds.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');
const cliEntry = join(root, 'dist', 'src', 'cli', 'cli.js');
const stamp = join(root, 'dist', '.build-stamp');
const consoleBundle = join(root, 'dist', 'console', 'console.js');
const SOURCES = [
  'src',
  'console',
  'client/src',
  'scripts',
  'bench',
  'mikro-orm.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (max, name) => Math.max(max, newestMtime(join(path, name))),
    stat.mtimeMs,
  );
}

function needsBuild(target) {
  if (!existsSync(target) || !existsSync(stamp) || !existsSync(consoleBundle)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((p) => existsSync(join(root, p)) && newestMtime(join(root, p)) > built);
}

/** Builds if a source changed since the last build; returns `target` (a file under dist/). */
function ensureBuilt(target = entry) {
  if (!needsBuild(target)) return target;
  // On stderr: the CLI's stdout is its output (`npm run cli -- list | ...`).
  console.error('authql: building...');
  const started = new Date();
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) throw new Error(`build failed (tsc exit ${result.status})`);
  // The admin console's bundle (esbuild, a fraction of a second): served by the server under /admin.
  const bundled = spawnSync(process.execPath, [join(__dirname, 'build-console.js')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (bundled.status !== 0) throw new Error(`console build failed (exit ${bundled.status})`);
  writeFileSync(stamp, started.toISOString() + '\n');
  // Dated when the build started: a source saved while tsc ran is newer, so the next run rebuilds.
  utimesSync(stamp, started, started);
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
