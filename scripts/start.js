#!/usr/bin/env node
'use strict';
// `npm start`: build only when a source file changed since the last build, then run the server.
const { ensureBuilt } = require('./build-if-needed');

try {
  require(ensureBuilt());
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
