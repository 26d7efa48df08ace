#!/usr/bin/env node
'use strict';
// The newcomer's path, end to end: a fresh copy of the checkout (tracked files only, no data/, no
// dist/), `npm start` with no variables (it builds and migrates), the README's tour over HTTP
// (sign up, the activation mail from the development outbox, activate, sign in, me, refresh), then
// `npm run example:client` and `npm run example:service` against that server. Any failure exits 1.
// Run by .ci/run; `node scripts/newcomer.js` works by hand too.
const { execFileSync, spawn } = require('node:child_process');
const {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');

const ROOT = join(__dirname, '..');
const started = Date.now();
// A hung step must not hang CI: the whole path normally takes well under a minute.
const DEADLINE_MS = 120_000;
const EMAIL = `ada-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

const children = new Set();
let dir = null;

function step(text) {
  console.log(`newcomer (${((Date.now() - started) / 1000).toFixed(1)}s): ${text}`);
}

function fail(message) {
  throw new Error(message);
}

/** What a newcomer's shell has: no NODE_ENV, no AUTHQL_*, no JWT_*, no database or mail settings. */
function bareEnv(extra = {}) {
  const keep = ['PATH', 'HOME', 'LANG', 'TERM', 'TMPDIR', 'USER', 'SHELL'];
  const env = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

/** Port 4000 is what the README and the examples assume; only when taken is another one used. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
  });
}

/** A fresh clone: the tracked files as committed or edited, node_modules shared (no install). */
function copyCheckout() {
  const target = mkdtempSync(join(tmpdir(), 'authql-newcomer-'));
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter((f) => f && f !== 'node_modules' && !f.startsWith('data/') && !f.startsWith('dist/'));
  for (const file of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(target, file));
    } catch (err) {
      // A tracked file deleted in the working tree is not part of this checkout.
      if (err.code !== 'ENOENT') throw err;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(target, 'node_modules'), 'dir');
  return target;
}

/** Starts a command in its own process group; resolves `ready` once `pattern` appears on stdout. */
function startProcess(name, args, env, pattern) {
  const child = spawn('npm', args, { cwd: dir, env, detached: true, stdio: 'pipe' });
  children.add(child);
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      process.stdout.write(`  [${name}] ${chunk.toString().replace(/\n(?=.)/g, `\n  [${name}] `)}`);
      if (pattern.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      children.delete(child);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
}

/** Runs a command to its end; fails on a non-zero exit. */
async function run(name, args, env) {
  const proc = startProcess(name, args, env, /$^/);
  proc.ready.catch(() => {});
  const code = await proc.exited;
  if (code !== 0) fail(`${name} exited with ${code}`);
  return proc.output();
}

/** Ctrl-C in the terminal: SIGINT to the whole group (npm and the node process it started). */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  return exited;
}

async function gql(url, query, variables, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) fail(`${query.split('(')[0]}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The activation link's token, from the .eml the development outbox holds for `email`. */
async function activationToken(email) {
  const outbox = join(dir, 'data', 'outbox');
  const until = Date.now() + 10_000;
  for (;;) {
    let names = [];
    try {
      names = readdirSync(outbox).filter((n) => n.endsWith('.eml') && n.includes(email));
    } catch {
      // Not created yet.
    }
    for (const name of names) {
      // Quoted-printable: soft line breaks and =3D inside the link.
      const mail = readFileSync(join(outbox, name), 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=3D/gi, '=');
      const match = /\/activate\?token=([\w.-]+)/.exec(mail);
      if (match) return match[1];
    }
    if (Date.now() > until) fail(`no activation mail for ${email} in ${outbox}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main() {
  dir = copyCheckout();
  step(`fresh copy of the checkout in ${dir}`);

  let port = 4000;
  const serverEnv = bareEnv();
  const exampleEnv = bareEnv();
  if (!(await portIsFree(4000))) {
    // Not the newcomer's setup, but a busy shared machine must not make this step fail.
    port = await freePort();
    serverEnv.PORT = String(port);
    exampleEnv.AUTHQL_URL = `http://localhost:${port}/graphql`;
    step(`port 4000 is taken here: using ${port} (PORT, AUTHQL_URL) instead`);
  }
  const origin = `http://localhost:${port}`;
  const graphql = `${origin}/graphql`;

  step('npm start (builds, migrates, listens)');
  const server = startProcess(
    'npm start',
    ['start'],
    serverEnv,
    /authql (no SMTP_URL|mail is sent)/,
  );
  await server.ready;
  const banner = server.output();
  for (const line of [
    `authql development page: ${origin}/`,
    `authql GraphQL: ${graphql}`,
    `authql admin console: ${origin}/admin`,
    'no SMTP_URL: mail is written to',
  ])
    if (!banner.includes(line)) fail(`npm start did not print "${line}"`);

  for (const path of ['/', '/graphiql', '/graphiql/graphiql.js', '/admin', '/admin/console.js']) {
    const res = await fetch(`${origin}${path}`);
    await res.arrayBuffer();
    if (res.status !== 200) fail(`GET ${path} answered ${res.status}`);
  }
  const jwks = await (await fetch(`${origin}/.well-known/jwks.json`)).json();
  if (jwks.keys.length !== 1) fail(`the JWKS lists ${jwks.keys.length} keys, not 1`);

  step('the README tour: signUp, the activation mail, activateAccount, signIn, me, refreshToken');
  await gql(
    graphql,
    'mutation ($e: String!, $p: String!) { signUp(input: { email: $e, password: $p }) }',
    {
      e: EMAIL,
      p: PASSWORD,
    },
  );
  const token = await activationToken(EMAIL);
  const activated = await gql(
    graphql,
    'mutation ($t: String!) { activateAccount(token: $t) { id email isActive } }',
    { t: token },
  );
  if (!activated.activateAccount.isActive) fail('activateAccount left the account inactive');
  const { signIn } = await gql(
    graphql,
    'mutation ($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken refreshToken } }',
    { e: EMAIL, p: PASSWORD },
  );
  const { me } = await gql(graphql, '{ me { id email role } }', {}, signIn.accessToken);
  if (me.email !== EMAIL) fail(`me answered ${me.email}`);
  const { refreshToken } = await gql(
    graphql,
    'mutation ($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken } }',
    { r: signIn.refreshToken },
  );
  const again = await gql(graphql, '{ me { id } }', {}, refreshToken.accessToken);
  if (again.me.id !== me.id) fail('the refreshed access token is not the same user');

  step('npm run example:client');
  await run('example:client', ['run', 'example:client'], exampleEnv);

  step('npm run example:service, then GET /orders with and without the access token');
  const ordersPort = (await portIsFree(4100)) ? 4100 : await freePort();
  const serviceEnv =
    ordersPort === 4100 ? exampleEnv : { ...exampleEnv, ORDERS_PORT: String(ordersPort) };
  const service = startProcess(
    'example:service',
    ['run', 'example:service'],
    serviceEnv,
    /orders service on/,
  );
  await service.ready;
  const orders = `http://127.0.0.1:${ordersPort}/orders`;
  const accepted = await fetch(orders, {
    headers: { authorization: `Bearer ${refreshToken.accessToken}` },
  });
  const body = await accepted.json();
  if (accepted.status !== 200 || body.userId !== me.id)
    fail(`the example service answered ${accepted.status} ${JSON.stringify(body)}`);
  const refused = await fetch(orders);
  if (refused.status !== 401)
    fail(`the example service answered ${refused.status} without a token`);
  await stop(service.child);

  step('stopping the server');
  await stop(server.child);
  // npm reports the interrupt as its own exit status: the server's shutdown is judged by its log
  // and by the port it must have released.
  if (
    !server.output().includes('"msg":"shutting down"') ||
    server.output().includes('shutdown failed')
  )
    fail('npm start did not shut down cleanly on Ctrl-C');
  if (!(await portIsFree(port))) fail(`port ${port} is still taken after the server stopped`);
  step('done');
}

const timer = setTimeout(() => {
  console.error(`newcomer: not done after ${DEADLINE_MS / 1000}s`);
  finish(1);
}, DEADLINE_MS);

async function finish(code) {
  clearTimeout(timer);
  await Promise.all([...children].map(stop)).catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

main().then(
  () => finish(0),
  (err) => {
    console.error(`newcomer: FAILED: ${err.message}`);
    finish(1);
  },
);
