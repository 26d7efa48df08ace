// Builds the admin console (console/) into dist/console: one minified ES module with the client
// library inside, and one stylesheet. The server serves both from there under /admin (no CDN).
const { utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const CONSOLE_DIST = join(ROOT, 'dist', 'console');
/** Dated when the last build of CONSOLE_DIST started (scripts/build-if-needed.js compares sources). */
const CONSOLE_STAMP = join(CONSOLE_DIST, '.build-stamp');

async function buildConsole(outdir = CONSOLE_DIST) {
  // Loaded here, not at the top: build-if-needed reads CONSOLE_STAMP on every start.
  const esbuild = require('esbuild');
  const started = new Date();
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
  if (outdir !== CONSOLE_DIST) return;
  // Dated when the build started: a source saved while it ran is newer, so the next check rebuilds.
  writeFileSync(CONSOLE_STAMP, started.toISOString() + '\n');
  utimesSync(CONSOLE_STAMP, started, started);
}

module.exports = { buildConsole, CONSOLE_DIST, CONSOLE_STAMP };

if (require.main === module) {
  buildConsole().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
