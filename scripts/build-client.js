// Builds @authql/client (client/dist): declarations with tsc, then with esbuild a CommonJS and an
// ESM build of each entry (dependencies left to the app's bundler) and one self-contained, minified
// ESM file for browsers without a bundler. platform 'browser' makes any Node built-in a build error.
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const esbuild = require('esbuild');

const CLIENT = join(__dirname, '..', 'client');
const DIST = join(CLIENT, 'dist');

const COMMON = {
  bundle: true,
  platform: 'browser',
  target: 'es2020',
  sourcemap: true,
  logLevel: 'warning',
};

/** apollo.ts imports './index': the built entry next to it, not a second copy of the client. */
const indexAsSibling = (ext) => ({
  name: 'index-as-sibling',
  setup(build) {
    build.onResolve({ filter: /^\.\/index$/ }, () => ({ path: `./index${ext}`, external: true }));
  },
});

/** One entry (index, apollo) as CommonJS or ESM, its dependencies left as imports. */
function buildEntry(entry, format, outfile) {
  const ext = format === 'esm' ? '.mjs' : '.js';
  return esbuild.build({
    ...COMMON,
    packages: 'external',
    entryPoints: [join(CLIENT, `src/${entry}.ts`)],
    format,
    outfile,
    plugins: entry === 'index' ? [] : [indexAsSibling(ext)],
  });
}

/** The self-contained browser file: every dependency inside, minified. */
function buildBrowserBundle(outfile) {
  return esbuild.build({
    ...COMMON,
    entryPoints: [join(CLIENT, 'src/index.ts')],
    format: 'esm',
    minify: true,
    outfile,
  });
}

async function buildClient() {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(CLIENT, 'tsconfig.json')], { stdio: 'inherit' });
  await Promise.all([
    buildEntry('index', 'cjs', join(DIST, 'index.js')),
    buildEntry('index', 'esm', join(DIST, 'index.mjs')),
    buildEntry('apollo', 'cjs', join(DIST, 'apollo.js')),
    buildEntry('apollo', 'esm', join(DIST, 'apollo.mjs')),
    buildBrowserBundle(join(DIST, 'authql-client.browser.min.mjs')),
  ]);
}

module.exports = { buildClient, buildEntry, buildBrowserBundle, CLIENT_DIST: DIST };

if (require.main === module) {
  buildClient().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
