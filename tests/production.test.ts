import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { codeOf, SIGN_IN, uniqueEmail } from './helpers/flows';
import { captureLog } from './helpers/log';
import { startTestServer, type TestServer } from './helpers/server';

const STRONG_SECRET = 'q8s7DkZ1vPz0r2LmN5xYw3Hc9TgB4eJfAaUo6iKs-production-test';
const { logger, lines } = captureLog();

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    { NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, BCRYPT_COST: '10' },
    { logger },
  );
});
afterAll(() => server.close());

describe('NODE_ENV=production', () => {
  it('turns introspection off', async () => {
    const res = await server.gql('{ __schema { queryType { name } } }');
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors![0]!.message).toMatch(/introspection/i);
    const type = await server.gql('{ __type(name: "User") { name } }');
    expect(type.errors![0]!.message).toMatch(/introspection/i);
  });

  it('serves no landing page (no Sandbox) to a browser: its GET gets the JSON CSRF refusal', async () => {
    // What a browser opening /graphql sends: no content type, no preflight header. In development
    // the same request gets the Sandbox page (tests/sandbox.test.ts).
    const res = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(
            /^This operation has been blocked as a potential Cross-Site Request Forgery/,
          ),
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  });

  it('gives no "Did you mean" suggestions', async () => {
    const field = await server.gql('{ mee { id } }');
    const arg = await server.gql(
      'mutation { signIn(inptu: { email: "a@b.co", password: "x" }) { accessToken } }',
    );
    const type = await server.gql('query ($x: SignInInpt!) { me { id } }', { x: {} });
    for (const res of [field, arg, type]) {
      expect(res.status).toBe(400);
      expect(res.errors!.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.errors)).not.toMatch(/did you mean/i);
    }
  });

  it('never returns a stack trace, for request errors or resolver errors', async () => {
    const responses = [
      await server.gql('{ me { nope } }'),
      await server.gql('{ me { id } }'),
      await server.gql(SIGN_IN, { email: uniqueEmail('ghost'), password: 'wrong password here' }),
      await server.gql('{ me { id '),
    ];
    for (const res of responses) {
      expect(res.errors!.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|\.ts:\d+|\.js:\d+/);
    }
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR and logs the error class and operation', async () => {
    // A database that has gone away makes every resolver that touches it fail unexpectedly.
    const broken = await startTestServer(
      { NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, BCRYPT_COST: '10' },
      { logger },
    );
    try {
      await broken.app.orm.close(true);
      lines.length = 0;
      const res = await broken.gql(SIGN_IN, { email: uniqueEmail(), password: 'long enough pass' });
      expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors![0]!.message).toBe('Internal server error.');
      expect(res.data).toBeNull();
      expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|sqlite|knex|pool|connection/i);
      const logged = lines.join('');
      expect(logged).toMatch(/"msg":"unexpected error"/);
      // The class and the field, never the driver's message (tests/driver-errors.test.ts).
      expect(logged).toMatch(/"errorClass":"[A-Za-z]+","operation":"signIn"/);
    } finally {
      await broken.close().catch(() => {});
    }
  });
});

describe('booting the real entry point', () => {
  // No build step in tests: src/main.ts runs through TypeScript's transpileModule, file by file.
  const register = `
    const ts = require('typescript'); const fs = require('fs');
    require.extensions['.ts'] = (module, file) => module._compile(ts.transpileModule(
      fs.readFileSync(file, 'utf8'),
      { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022,
        esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true } }).outputText, file);
    require('./src/main.ts');`;

  it('exits non-zero with NODE_ENV=production and no JWT_SECRET, naming the variable', () => {
    const { PATH, HOME } = process.env;
    const result = spawnSync(process.execPath, ['-e', register], {
      cwd: resolve(__dirname, '..'),
      env: {
        PATH,
        HOME,
        NODE_ENV: 'production',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'authql-boot-')),
        PORT: '0',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/JWT_SECRET/);
    expect(result.stdout).not.toMatch(/listening/);
  });
});
