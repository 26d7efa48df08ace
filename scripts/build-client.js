// Builds @authql/client (client/dist): declarations with tsc, then with esbuild a CommonJS and an
// ESM build of each entry (dependencies left to the app's bundler) and one self-contained, minified
// ESM file for browsers without a bundler. platform 'browser' makes any Node built-in a build error.
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const esbuild = require('esbuild');

const CLIENT = join(__dirname, '..', 'client');
const DIST = join(CLIENT, 'dist');

/** apollo.ts imports './index': the built entry next to it, not a second copy of the client. */
const indexAsSibling = (ext) => ({
  name: 'index-as-sibling',
  setup(build) {
    build.onResolve({ filter: /^\.\/index$/ }, () => ({ path: `./index${ext}`, external: true }));
  },
});

/** The self-contained browser file: every dependency inside, minified; a Node built-in fails the build. */
function buildBrowserBundle(outfile) {
  return esbuild.build({
    entryPoints: [join(CLIENT, 'src/index.ts')],
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    format: 'esm',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    outfile,
  });
}

async function buildClient() {
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(CLIENT, 'tsconfig.json')],
    {
      stdio: 'inherit',
    },
  );
  const common = {
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [join(CLIENT, 'src/index.ts')],
      format: 'cjs',
      outfile: join(DIST, 'index.js'),
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(CLIENT, 'src/index.ts')],
      format: 'esm',
      outfile: join(DIST, 'index.mjs'),
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(CLIENT, 'src/apollo.ts')],
      format: 'cjs',
      outfile: join(DIST, 'apollo.js'),
      plugins: [indexAsSibling('.js')],
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(CLIENT, 'src/apollo.ts')],
      format: 'esm',
      outfile: join(DIST, 'apollo.mjs'),
      plugins: [indexAsSibling('.mjs')],
    }),
    buildBrowserBundle(join(DIST, 'authql-client.browser.min.mjs')),
  ]);
}

module.exports = { buildClient, buildBrowserBundle, CLIENT_DIST: DIST };

if (require.main === module) {
  buildClient().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
