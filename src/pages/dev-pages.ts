import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Response, Router } from 'express';
import type { MailConfig } from '../mail/mail.config';
import { parseEml } from '../mail/eml';
import { pageHeaders } from './headers';
import { html, type Html } from './html';
import { GRAPHIQL_PATH, graphiqlRouter } from './graphiql';
import { serveStylesheet } from './pages.css';
import { pageDocument } from './templates';

// No script, no external asset, no framing: the pages are links and escaped text only.
const CSP =
  "default-src 'none'; style-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
// A mail's own HTML: shown as it was sent, but sandboxed (no script, no form, no same origin).
const MAIL_HTML_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:";
// What the file transport writes (src/mail/transport.ts): a time stamp, the address, .eml.
const EML_NAME = /^[A-Za-z0-9@._-]+\.eml$/;

export interface DevPagesDeps {
  config: {
    readonly env: string;
    readonly mail: Pick<MailConfig, 'smtpUrl' | 'outboxDir'>;
    readonly adminConsole: boolean;
  };
  /** GraphiQL's router; by default the one serving the installed packages (tests pass another). */
  graphiql?: Router;
}

interface OutboxEntry {
  name: string;
  mtimeMs: number;
}

/**
 * Development only: GET / (links to what a developer opens), GET /graphiql and GET /outbox (the mail
 * the file transport wrote). An empty router in test and production, so those keep answering 404.
 */
export function devPagesRouter({ config, graphiql }: DevPagesDeps): Router {
  const router = Router();
  if (config.env !== 'development') return router;
  router.use(graphiql ?? graphiqlRouter());
  const outboxOn = config.mail.smtpUrl === null;
  const outboxDir = config.mail.outboxDir;

  serveStylesheet(router);

  router.get('/', (_req, res) => {
    send(
      res,
      layout(
        'Development',
        html`<h1>authql in development</h1>
          <ul>
            <li><a href="/graphql">/graphql</a>: the API, with Apollo Sandbox in a browser</li>
            <li>
              <a href="${GRAPHIQL_PATH}">${GRAPHIQL_PATH}</a>: GraphiQL, served from this machine
              (no internet needed)
            </li>
            ${
              config.adminConsole
                ? html`<li>
                    <a href="/admin">/admin</a>: the admin console, for ADMIN accounts (make one
                    with <code>npm run cli -- promote you@example.com</code>)
                  </li>`
                : ''
            }
            ${
              outboxOn
                ? html`<li>
                    <a href="/outbox">/outbox</a>: the mail this server wrote instead of sending
                  </li>`
                : html`<li>Mail goes through SMTP (SMTP_URL): read it in that mailbox</li>`
            }
          </ul>
          <p>
            The documentation is in the <code>docs/</code> folder of your checkout (start with
            README.md).
          </p>`,
      ),
    );
  });

  if (!outboxOn) return router;

  // Only names read from the folder count: a request's path never reaches the file system.
  const listing = (): OutboxEntry[] => {
    let names: string[];
    try {
      names = readdirSync(outboxDir);
    } catch {
      return [];
    }
    return names
      .filter((name) => EML_NAME.test(name))
      .map((name) => ({ name, mtimeMs: statSync(join(outboxDir, name)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs || b.name.localeCompare(a.name));
  };
  const read = (name: string) => {
    const entry = listing().find((e) => e.name === name);
    return entry ? parseEml(readFileSync(join(outboxDir, entry.name), 'utf8')) : null;
  };

  router.get('/outbox', (_req, res) => {
    const rows = listing().map(({ name, mtimeMs }) => {
      // The name comes from the folder itself: read it directly, not through another listing.
      const mail = parseEml(readFileSync(join(outboxDir, name), 'utf8'));
      const link = `/outbox/${encodeURIComponent(name)}`;
      return html`<li>
        <strong>${mail.subject || '(no subject)'}</strong><br />
        to ${mail.to} · <time>${new Date(mtimeMs).toISOString()}</time><br />
        <a href="${link}">text</a>${mail.html ? html` · <a href="${link}/html">HTML</a>` : ''}
      </li>`;
    });
    send(
      res,
      layout(
        'Outbox',
        html`<h1>Outbox</h1>
          <p>Mail written to the outbox folder, newest first.</p>
          ${
            rows.length
              ? html`<ol class="outbox">
                  ${rows}
                </ol>`
              : html`<p>No mail yet.</p>`
          }
          <p><a href="/">Back</a></p>`,
      ),
    );
  });

  router.get('/outbox/:name', (req, res) => {
    const mail = read(req.params.name);
    if (!mail) return void res.status(404).type('text').send('Not found');
    headers(res, "default-src 'none'; sandbox")
      .type('text/plain; charset=utf-8')
      .send(
        `Subject: ${mail.subject}\nTo: ${mail.to}\nDate: ${mail.date}\n\n${mail.text ?? '(no text part)'}`,
      );
  });

  router.get('/outbox/:name/html', (req, res) => {
    const mail = read(req.params.name);
    if (!mail?.html) return void res.status(404).type('text').send('Not found');
    headers(res, MAIL_HTML_CSP).type('html').send(mail.html);
  });
  return router;
}

function layout(title: string, body: Html): string {
  return pageDocument('en', title, body);
}

function headers(res: Response, csp: string): Response {
  return res.set(pageHeaders(csp));
}

function send(res: Response, body: string): void {
  headers(res, CSP).status(200).type('html').send(body);
}
