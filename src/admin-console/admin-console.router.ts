import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Response, Router } from 'express';

import { pageHeaders } from '../pages/headers';

// Scripts, styles and API calls from this server only; no inline script or style anywhere.
export const ADMIN_CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>authql admin</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/console.css">
<script type="module" src="/admin/console.js"></script>
</head>
<body>
<div id="app"><noscript>The admin console needs JavaScript.</noscript></div>
</body>
</html>
`;

const ASSETS = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;
type Asset = keyof typeof ASSETS;

export interface AdminConsoleDeps {
  config: { readonly adminConsole: boolean };
}

/**
 * GET /admin: the admin console (on unless production; ADMIN_CONSOLE=true there). The page is a
 * shell; the script (built from console/ by `npm run build`) signs in and talks to /graphql like any
 * client, so every action is authorized, rate-limited and recorded by the API itself.
 */
export function adminConsoleRouter({ config }: AdminConsoleDeps): Router {
  const router = Router();
  if (!config.adminConsole) return router;
  const dist = consoleDist();

  router.get('/admin', (_req, res) => {
    if (!existsSync(join(dist, 'console.js'))) return void notBuilt(res);
    headers(res).status(200).type('html').send(SHELL);
  });
  for (const name of Object.keys(ASSETS) as Asset[]) {
    router.get(`/admin/${name}`, (_req, res) => {
      // Read from disk on each request and revalidated on every load (its ETag makes that a 304):
      // a rebuilt console shows at once, without a restart.
      headers(res).set('Cache-Control', 'no-cache').type(ASSETS[name]);
      res.sendFile(join(dist, name), { cacheControl: false }, (err) => {
        if (err && !res.headersSent) notBuilt(res);
      });
    });
  }
  return router;
}

function headers(res: Response): Response {
  return res.set(pageHeaders(ADMIN_CONSOLE_CSP));
}

function notBuilt(res: Response): void {
  headers(res)
    .status(503)
    .type('text')
    .send('The admin console is not built: run `npm run build`.');
}

/** dist/console of this checkout, from src/ (tests) or dist/src/ (npm start) alike. */
function consoleDist(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'console');
}
