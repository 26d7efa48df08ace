#!/usr/bin/env node
'use strict';
// `npm start`: compile only when a source file is newer than the last build, then run the server.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');
const stamp = join(root, 'dist', '.build-stamp');

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
  const sources = [
    'src',
    'scripts',
    'mikro-orm.config.ts',
    'tsconfig.json',
    'tsconfig.build.json',
    'package-lock.json',
  ];
  return sources.some((p) => existsSync(join(root, p)) && newestMtime(join(root, p)) > built);
}

if (needsBuild()) {
  console.log('authql: building...');
  const result = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    {
      stdio: 'inherit',
      cwd: root,
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  require('node:fs').writeFileSync(stamp, new Date().toISOString() + '\n');
}
require(entry);
