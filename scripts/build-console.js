// Builds the admin console (console/) into dist/console: one minified ES module with the client
// library inside, and one stylesheet. The server serves both from there under /admin (no CDN).
const { join } = require('node:path');
const esbuild = require('esbuild');

const ROOT = join(__dirname, '..');
const CONSOLE_DIST = join(ROOT, 'dist', 'console');

async function buildConsole(outdir = CONSOLE_DIST) {
  const common = { bundle: true, minify: true, logLevel: 'warning', legalComments: 'none' };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [join(ROOT, 'console/src/main.ts')],
      outfile: join(outdir, 'console.js'),
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(ROOT, 'console/console.css')],
      outfile: join(outdir, 'console.css'),
    }),
  ]);
}

module.exports = { buildConsole, CONSOLE_DIST };

if (require.main === module) {
  buildConsole().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
