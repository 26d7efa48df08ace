'use strict';
// Compiles with tsc only when a source file is newer than the last build (used by `npm start` and jest).
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');
const stamp = join(root, 'dist', '.build-stamp');
const SOURCES = [
  'src',
  'scripts',
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

function needsBuild() {
  if (!existsSync(entry) || !existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((p) => existsSync(join(root, p)) && newestMtime(join(root, p)) > built);
}

function ensureBuilt() {
  if (!needsBuild()) return entry;
  console.log('authql: building...');
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (result.status !== 0) throw new Error(`build failed (tsc exit ${result.status})`);
  writeFileSync(stamp, new Date().toISOString() + '\n');
  return entry;
}

module.exports = { ensureBuilt, entry };
