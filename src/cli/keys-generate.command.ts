import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { generateSigningKeyPair, type AsymmetricAlgorithm } from '../tokens/keys';
import type { CliCommand } from './command';

const ALGORITHMS: AsymmetricAlgorithm[] = ['ES256', 'RS256'];

function parseArgs(args: string[]): { alg: AsymmetricAlgorithm; out: string } | string {
  let alg: AsymmetricAlgorithm = 'ES256';
  let out = './keys';
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const [flag, inline] = raw.split('=', 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (flag === '--alg' && ALGORITHMS.includes(value?.toUpperCase() as AsymmetricAlgorithm))
      alg = value!.toUpperCase() as AsymmetricAlgorithm;
    else if (flag === '--out' && value) out = value;
    else return `bad argument: ${raw}${inline === undefined && value ? ` ${value}` : ''}`;
  }
  return { alg, out };
}

/** Writes a new signing key pair; prints paths and the kid, never the private key itself. */
export const keysGenerate: CliCommand = {
  name: 'keys:generate',
  usage: 'keys:generate [--alg ES256|RS256] [--out DIR]',
  description: 'write a new access-token signing key pair (default ES256 into ./keys)',
  async run(args, io) {
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      io.err(`${parsed}\nusage: npm run cli -- ${this.usage}`);
      return 2;
    }
    const { privatePem, publicPem, kid } = generateSigningKeyPair(parsed.alg);
    const dir = resolve(parsed.out);
    const stamp = new Date().toISOString().slice(0, 10);
    const base = `authql-${parsed.alg.toLowerCase()}-${stamp}-${kid.slice(0, 8)}`;
    const privatePath = join(dir, `${base}.private.pem`);
    const publicPath = join(dir, `${base}.public.pem`);
    if (existsSync(privatePath) || existsSync(publicPath)) {
      io.err(`refusing to overwrite ${privatePath}`);
      return 1;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(privatePath, privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(publicPath, publicPem, { mode: 0o644, flag: 'wx' });
    const shown = (path: string) => relative(process.cwd(), path) || path;
    io.out(`${parsed.alg} key pair written (kid ${kid}):`);
    io.out(`  private: ${shown(privatePath)}   (mode 600: keep it secret, out of git and logs)`);
    io.out(`  public:  ${shown(publicPath)}`);
    io.out('');
    io.out('Sign access tokens with it (the public key is then served at /.well-known/jwks.json):');
    io.out(`  export JWT_PRIVATE_KEY="$(cat ${shown(privatePath)})"`);
    io.out(
      'Rotating? Keep the old public key accepted until its tokens expire (ACCESS_TOKEN_TTL):',
    );
    io.out('  export JWT_PREVIOUS_PUBLIC_KEYS="$(cat old.public.pem)"');
    return 0;
  },
};
