#!/usr/bin/env node
'use strict';
// `npm run cli -- <command>`: build only when a source file changed since the last build, then run it.
const { cliEntry, ensureBuilt } = require('./build-if-needed');

try {
  ensureBuilt(cliEntry);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
require(cliEntry);
