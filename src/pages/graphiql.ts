import { dirname, join } from 'node:path';
import { type Response, Router } from 'express';
import { EXPLORER_AUTHORIZATION } from './explorer-authorization';
import { pageHeaders } from './headers';
import { html } from './html';
import { pageDocument } from './templates';

/**
 * GraphiQL at /graphiql, development only: every script and style comes from node_modules through
 * this server (no CDN), so a machine without internet still has an IDE. graphiql, react and
 * react-dom are devDependencies: where they are not installed, /graphiql says so with a 404.
 */

export const GRAPHIQL_PATH = '/graphiql';

// The browser builds each package ships (UMD: globals React, ReactDOM, GraphiQL), by served name.
const ASSETS = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': {
    pkg: 'react-dom',
    file: 'umd/react-dom.production.min.js',
    type: 'text/javascript',
  },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
} as const;
type AssetName = keyof typeof ASSETS;

// Our own start script, served as a file so the page's CSP allows scripts from 'self' only.
const START_SCRIPT = `'use strict';
var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: ${JSON.stringify(JSON.stringify({ Authorization: EXPLORER_AUTHORIZATION }, null, 2))},
    defaultEditorToolsVisibility: 'headers',
  }),
);
`;

const PAGE_CSS = 'html, body, #graphiql { height: 100%; margin: 0; }\n';

// Scripts and styles from this server only, none inline (GraphiQL styles elements through the DOM).
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Absolute paths of the assets, or null when a package cannot be resolved (devDependencies left out). */
export function resolveGraphiqlAssets(
  resolve: (id: string) => string = require.resolve,
): Record<AssetName, string> | null {
  try {
    const paths = {} as Record<AssetName, string>;
    for (const [name, asset] of Object.entries(ASSETS) as [AssetName, (typeof ASSETS)[AssetName]][])
      paths[name] = join(dirname(resolve(`${asset.pkg}/package.json`)), asset.file);
    return paths;
  } catch {
    return null;
  }
}

export function graphiqlRouter(
  assets: Record<AssetName, string> | null = resolveGraphiqlAssets(),
): Router {
  const router = Router();
  router.get(GRAPHIQL_PATH, (_req, res) => {
    if (!assets) return void sendPage(res.status(404), notInstalledPage());
    sendPage(res.status(200), PAGE);
  });
  router.get(`${GRAPHIQL_PATH}/start.js`, (_req, res) => {
    if (!assets) return void res.status(404).type('text').send('Not found');
    assetHeaders(res).type('text/javascript').send(START_SCRIPT);
  });
  router.get(`${GRAPHIQL_PATH}/page.css`, (_req, res) => {
    if (!assets) return void res.status(404).type('text').send('Not found');
    assetHeaders(res).type('text/css').send(PAGE_CSS);
  });
  router.get(`${GRAPHIQL_PATH}/:name`, (req, res, next) => {
    const name = req.params.name as AssetName;
    // Only the four names above: a request's path never reaches the file system.
    if (!assets || !Object.hasOwn(ASSETS, name)) return next();
    assetHeaders(res).type(ASSETS[name].type);
    res.sendFile(assets[name], (err) => {
      if (err && !res.headersSent) res.status(404).type('text').send('Not found');
    });
  });
  return router;
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>GraphiQL · authql</title>
    <link rel="stylesheet" href="${GRAPHIQL_PATH}/graphiql.css" />
    <link rel="stylesheet" href="${GRAPHIQL_PATH}/page.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="${GRAPHIQL_PATH}/react.js"></script>
    <script src="${GRAPHIQL_PATH}/react-dom.js"></script>
    <script src="${GRAPHIQL_PATH}/graphiql.js"></script>
    <script src="${GRAPHIQL_PATH}/start.js"></script>
  </body>
</html>
`;

function notInstalledPage(): string {
  return pageDocument(
    'en',
    'GraphiQL is not installed',
    html`<h1>GraphiQL is not installed</h1>
      <p>
        GraphiQL is served from the development dependencies <code>graphiql</code>,
        <code>react</code> and <code>react-dom</code>, which this installation does not have. Run
        <code>npm install</code> (without <code>--omit=dev</code>) and restart, or use Apollo
        Sandbox at <a href="/graphql">/graphql</a>.
      </p>
      <p><a href="/">Back</a></p>`,
  );
}

function sendPage(res: Response, body: string): void {
  res.set(pageHeaders(CSP)).type('html').send(body);
}

function assetHeaders(res: Response): Response {
  // Revalidated by ETag rather than no-store: GraphiQL's megabyte is fetched once per change.
  return res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' });
}
