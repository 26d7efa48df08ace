import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keysGenerate } from '../src/cli/keys-generate.command';
import { loadConfig } from '../src/config';
import { JwtService } from '../src/tokens/jwt';
import { ServerSecrets } from '../src/tokens/secrets';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await keysGenerate.run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run cli -- keys:generate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'authql-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['ES256', 'RS256'])(
    'writes a %s pair that JWT_PRIVATE_KEY accepts, and never prints the key',
    async (alg) => {
      const out = join(dir, alg);
      const result = await run(['--alg', alg, '--out', out]);
      expect(result.code).toBe(0);
      const files = readdirSync(out);
      const privateFile = join(
        out,
        files.find((f) => f.endsWith('.private.pem'))!,
      );
      const publicFile = join(
        out,
        files.find((f) => f.endsWith('.public.pem'))!,
      );
      expect(statSync(privateFile).mode & 0o777).toBe(0o600);
      expect(result.out).toContain('JWT_PRIVATE_KEY');
      expect(result.out).toContain('JWT_PREVIOUS_PUBLIC_KEYS');
      expect(result.out).not.toMatch(/BEGIN|PRIVATE KEY-----/);
      const privatePem = readFileSync(privateFile, 'utf8');
      expect(result.out).not.toContain(privatePem.split('\n')[1]);

      const config = loadConfig({
        DATA_DIR: dir,
        JWT_PRIVATE_KEY: privatePem,
        JWT_PREVIOUS_PUBLIC_KEYS: readFileSync(publicFile, 'utf8'),
      });
      const jwt = new JwtService({
        ...config.jwt,
        secrets: new ServerSecrets(config.jwt.secret, []),
      });
      expect(jwt.jwks().keys[0]).toMatchObject({ alg, use: 'sig' });
      expect(result.out).toContain(jwt.kid);
    },
  );

  it('refuses unknown algorithms and arguments with exit code 2', async () => {
    expect((await run(['--alg', 'HS256'])).code).toBe(2);
    expect((await run(['--force'])).code).toBe(2);
  });
});
