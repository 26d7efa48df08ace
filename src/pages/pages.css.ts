import type { Router } from 'express';

export const STYLESHEET_PATH = '/assets/pages.css';

/** The one stylesheet of the pages, served at /assets/pages.css (CSP `style-src 'self'`). */
export const PAGES_CSS = `:root {
  color-scheme: light dark;
  --fg: #1d2433;
  --muted: #5b6478;
  --bg: #f4f5f8;
  --card: #ffffff;
  --line: #d8dce5;
  --accent: #3451b2;
  --ok: #1d7a46;
  --bad: #b42318;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6e8ee;
    --muted: #a3abbd;
    --bg: #14171f;
    --card: #1d212c;
    --line: #343a4a;
    --accent: #8ea4ff;
    --ok: #5fd08f;
    --bad: #ff8a80;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  align-items: flex-start;
  justify-content: center;
  padding: 3rem 1rem;
  background: var(--bg);
  color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
main {
  width: 100%;
  max-width: 30rem;
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 12px;
  padding: 2rem;
}
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
.brand { color: var(--muted); font-size: 0.85rem; letter-spacing: 0.05em; text-transform: uppercase; margin-bottom: 0.5rem; }
.notice { border-left: 4px solid var(--accent); padding: 0.5rem 0.75rem; margin: 0 0 1rem; }
.notice.ok { border-color: var(--ok); }
.notice.error { border-color: var(--bad); color: var(--bad); }
form { margin: 1.5rem 0 0; }
label { display: block; font-weight: 600; margin: 0 0 0.25rem; }
input[type="email"], input[type="password"] {
  width: 100%;
  font: inherit;
  padding: 0.55rem 0.7rem;
  margin: 0 0 1rem;
  border: 1px solid var(--line);
  border-radius: 8px;
  background: var(--bg);
  color: var(--fg);
}
input:focus, button:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
button {
  font: inherit;
  font-weight: 600;
  padding: 0.6rem 1.2rem;
  border: 0;
  border-radius: 8px;
  background: var(--accent);
  color: var(--card);
  cursor: pointer;
}
ul.rules { color: var(--muted); font-size: 0.9rem; padding-left: 1.2rem; margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: 0.9rem; }
`;

/** Serves the stylesheet on `router`: the link pages and the development pages each mount it. */
export function serveStylesheet(router: Router): void {
  router.get(STYLESHEET_PATH, (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' })
      .type('text/css')
      .send(PAGES_CSS);
  });
}
