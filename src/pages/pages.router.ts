import type { MikroORM } from '@mikro-orm/core';
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import type { Config } from '../config';
import { AppError, ErrorCode, errorFields } from '../errors';
import { clientInfo, type ClientIp } from '../http/client-ip';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { CSRF_FIELD, CsrfGuard } from './csrf';
import { PAGES_CSS } from './pages.css';
import * as page from './templates';

// No script, no external asset, no framing, no form target elsewhere.
const CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface PagesDeps {
  config: Config;
  services: Services;
  orm: MikroORM;
  logger: Logger;
  clientIp: ClientIp;
}

/**
 * GET /activate, GET /reset-password and GET /confirm-email, the targets of the mailed links, with their form posts.
 * An empty router (so every path answers 404) unless config.pages.enabled.
 */
export function pagesRouter({ config, services, orm, logger, clientIp }: PagesDeps): Router {
  const router = Router();
  // The same rate limits as the GraphQL mutations: a form post is one more attempt, from the same IP.
  const clientOf = (req: Request) => clientInfo(req, clientIp);
  if (!config.pages.enabled) return router;
  const csrf = new CsrfGuard(services.secrets, new URL(config.appUrl).origin);
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get(page.STYLESHEET_PATH, (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' })
      .type('text/css')
      .send(PAGES_CSS);
  });

  router.get('/activate', (req, res) => {
    const token = param(req.query.token);
    if (!token) return send(res, 400, missingLink());
    // A button, not activation on GET: mail scanners fetch links and would use them up.
    send(res, 200, page.activateForm(token, csrf.issue(req, res, 'activate')));
  });

  router.post('/activate', form, async (req, res) => {
    if (!csrf.verify(req, 'activate', field(req, CSRF_FIELD))) return refuse(res);
    try {
      const user = await services.accounts.activate(
        orm.em.fork(),
        field(req, 'token'),
        clientOf(req),
      );
      send(res, 200, page.activated(user.email));
    } catch (err) {
      const reason = tokenFailure(err);
      send(
        res,
        reason === 'expired' ? 410 : 400,
        page.activationFailed(reason, csrf.issue(req, res, 'resend')),
      );
    }
  });

  router.post('/activate/resend', form, async (req, res) => {
    if (!csrf.verify(req, 'resend', field(req, CSRF_FIELD))) return refuse(res);
    const email = field(req, 'email');
    try {
      await services.accounts.resendActivation(email, clientOf(req));
      send(res, 200, page.resendSent());
    } catch (err) {
      if (!(err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT)) throw err;
      send(res, 422, page.resendForm(csrf.issue(req, res, 'resend'), email, err.message));
    }
  });

  router.get('/reset-password', (req, res) => {
    const token = param(req.query.token);
    if (!token) return send(res, 400, missingLink());
    send(res, 200, page.resetForm(token, csrf.issue(req, res, 'reset')));
  });

  router.post('/reset-password', form, async (req, res) => {
    if (!csrf.verify(req, 'reset', field(req, CSRF_FIELD))) return refuse(res);
    const token = field(req, 'token');
    const password = field(req, 'password');
    const again = () => csrf.issue(req, res, 'reset');
    if (password !== field(req, 'confirm')) {
      return send(
        res,
        422,
        page.resetForm(token, again(), 'The two passwords differ: type the same one twice.'),
      );
    }
    try {
      await services.passwords.reset(orm.em.fork(), token, password, clientOf(req));
      send(res, 200, page.resetDone());
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT) {
        return send(res, 422, page.resetForm(token, again(), err.message));
      }
      const reason = tokenFailure(err);
      send(res, reason === 'expired' ? 410 : 400, page.resetFailed(reason));
    }
  });

  router.get('/confirm-email', (req, res) => {
    const token = param(req.query.token);
    if (!token) return send(res, 400, missingLink());
    // A button, not a change on GET: mail scanners fetch links and would confirm the change.
    send(res, 200, page.confirmEmailForm(token, csrf.issue(req, res, 'confirm-email')));
  });

  router.post('/confirm-email', form, async (req, res) => {
    if (!csrf.verify(req, 'confirm-email', field(req, CSRF_FIELD))) return refuse(res);
    try {
      const user = await services.emailChange.confirm(
        orm.em.fork(),
        field(req, 'token'),
        clientOf(req),
      );
      send(res, 200, page.emailConfirmed(user.email));
    } catch (err) {
      const reason = tokenFailure(err);
      send(res, reason === 'expired' ? 410 : 400, page.emailChangeFailed(reason));
    }
  });

  // Scoped: errors of routes mounted before this router (e.g. /health) keep their JSON answer.
  router.use(['/activate', '/reset-password', '/confirm-email'], pageErrors(logger));
  return router;
}

function send(res: Response, status: number, body: string): void {
  res
    .status(status)
    .set({
      'Content-Security-Policy': CSP,
      'X-Frame-Options': 'DENY',
      // The token is in the URL: it must not travel on in a Referer header.
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    .type('html')
    .send(body);
}

function refuse(res: Response): void {
  send(
    res,
    403,
    page.problem(
      'This form could not be verified',
      'It was sent from another site, or it was open for too long. Open the link from your email again.',
    ),
  );
}

const missingLink = () =>
  page.problem(
    'This link is incomplete',
    'The link has no token. Open it again from your email, or copy the whole address into the browser.',
  );

/** INVALID_TOKEN and TOKEN_EXPIRED become a page; anything else goes on to the error handler. */
function tokenFailure(err: unknown): 'used' | 'expired' {
  if (err instanceof AppError && err.code === ErrorCode.TOKEN_EXPIRED) return 'expired';
  if (err instanceof AppError && err.code === ErrorCode.INVALID_TOKEN) return 'used';
  throw err;
}

// Query values may be arrays (?token=a&token=b) and bodies may repeat fields: only one string counts.
const param = (value: unknown): string => (typeof value === 'string' ? value : '');
const field = (req: Request, name: string): string =>
  param((req.body as Record<string, unknown> | undefined)?.[name]);

function pageErrors(logger: Logger): ErrorRequestHandler {
  return (err: { status?: number; statusCode?: number }, _req, res, _next) => {
    if (err instanceof AppError && err.code === ErrorCode.TOO_MANY_REQUESTS) {
      const retryAfter = Number(err.extensions.retryAfter) || 60;
      res.setHeader('Retry-After', String(retryAfter));
      return send(
        res,
        429,
        page.problem('Too many attempts', `Please wait ${retryAfter} seconds and try again.`),
      );
    }
    const status = err.status ?? err.statusCode ?? 500;
    // Never the request: its URL carries the token.
    if (status >= 500) logger.error(errorFields(err), 'page failed');
    send(
      res,
      status,
      status >= 500
        ? page.problem('Something went wrong', 'Please try again in a moment.')
        : page.problem('This request could not be read', 'Open the link from your email again.'),
    );
  };
}
