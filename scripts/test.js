#!/usr/bin/env node
'use strict';
// `npm test` and `npm run test:postgres`: jest on every core, then the suites that measure response
// times on an otherwise idle machine (SERIAL in jest.config.js): a millisecond comparison of two code
// paths means little while another worker hashes passwords on the other core. Arguments go to both
// runs (a path or -t filter that matches nothing in one run is no failure).
const { spawnSync } = require('node:child_process');

const jest = require.resolve('jest/bin/jest');
const args = process.argv.slice(2);
const run = (env, extra) =>
  spawnSync(process.execPath, [jest, ...extra, ...args], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  }).status ?? 1;

const parallel = run({ AUTHQL_TEST_RUN: 'parallel' }, args.length ? ['--passWithNoTests'] : []);
const serial = run({ AUTHQL_TEST_RUN: 'serial' }, ['--runInBand', '--passWithNoTests']);
process.exit(parallel || serial);
