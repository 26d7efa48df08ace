import type { MikroORM } from '@mikro-orm/core';
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import type { LocaleConfig } from '../profile/profile-rules';
import type { PagesConfig } from './pages.config';
import { AppError, ErrorCode, errorFields } from '../errors';
import { clientInfo, type ClientIp } from '../http/client-ip';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { CSRF_FIELD, CsrfGuard } from './csrf';
import { pageHeaders } from './headers';
import { pageText, type PageText } from './page-locale';
import { serveStylesheet } from './pages.css';
import * as page from './templates';

// No script, no external asset, no framing, no form target elsewhere.
const CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface PagesDeps {
  config: {
    readonly pages: PagesConfig;
    readonly appUrl: string;
    readonly locales: LocaleConfig;
  };
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
  // ?lang= (a link, or a form's hidden field), else Accept-Language, else DEFAULT_LOCALE.
  const textOf = (req: Request): PageText =>
    pageText(
      param(req.query.lang) || field(req, 'lang'),
      req.get('accept-language'),
      config.locales,
    );

  serveStylesheet(router);

  router.get('/activate', (req, res) => {
    const token = param(req.query.token);
    const t = textOf(req);
    if (!token) return send(res, 400, missingLink(t));
    // A button, not activation on GET: mail scanners fetch links and would use them up.
    send(res, 200, page.activateForm(t, token, csrf.issue(req, res, 'activate')));
  });

  router.post('/activate', form, async (req, res) => {
    const t = textOf(req);
    if (!csrf.verify(req, 'activate', field(req, CSRF_FIELD))) return refuse(res, t);
    try {
      const user = await services.accounts.activate(
        orm.em.fork(),
        field(req, 'token'),
        clientOf(req),
      );
      send(res, 200, page.activated(t, user.email));
    } catch (err) {
      const reason = tokenFailure(err);
      send(
        res,
        reason === 'expired' ? 410 : 400,
        page.activationFailed(t, reason, csrf.issue(req, res, 'resend')),
      );
    }
  });

  router.post('/activate/resend', form, async (req, res) => {
    const t = textOf(req);
    if (!csrf.verify(req, 'resend', field(req, CSRF_FIELD))) return refuse(res, t);
    const email = field(req, 'email');
    try {
      await services.accounts.resendActivation(email, clientOf(req));
      send(res, 200, page.resendSent(t));
    } catch (err) {
      if (!(err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT)) throw err;
      // The one input error here is the address's form: said in the page's language.
      send(
        res,
        422,
        page.resendForm(t, csrf.issue(req, res, 'resend'), email, t.say('invalidEmail')),
      );
    }
  });

  router.get('/reset-password', (req, res) => {
    const token = param(req.query.token);
    const t = textOf(req);
    if (!token) return send(res, 400, missingLink(t));
    send(res, 200, page.resetForm(t, token, csrf.issue(req, res, 'reset')));
  });

  router.post('/reset-password', form, async (req, res) => {
    const t = textOf(req);
    if (!csrf.verify(req, 'reset', field(req, CSRF_FIELD))) return refuse(res, t);
    const token = field(req, 'token');
    const password = field(req, 'password');
    const again = () => csrf.issue(req, res, 'reset');
    if (password !== field(req, 'confirm')) {
      return send(res, 422, page.resetForm(t, token, again(), t.say('passwordsDiffer')));
    }
    try {
      await services.passwords.reset(orm.em.fork(), token, password, clientOf(req));
      send(res, 200, page.resetDone(t));
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT) {
        // The policy's reason stays English (like every error message), introduced in the page's language.
        return send(
          res,
          422,
          page.resetForm(t, token, again(), `${t.say('passwordRejected')} ${err.message}`),
        );
      }
      const reason = tokenFailure(err);
      send(res, reason === 'expired' ? 410 : 400, page.resetFailed(t, reason));
    }
  });

  router.get('/confirm-email', (req, res) => {
    const token = param(req.query.token);
    const t = textOf(req);
    if (!token) return send(res, 400, missingLink(t));
    // A button, not a change on GET: mail scanners fetch links and would confirm the change.
    send(res, 200, page.confirmEmailForm(t, token, csrf.issue(req, res, 'confirm-email')));
  });

  router.post('/confirm-email', form, async (req, res) => {
    const t = textOf(req);
    if (!csrf.verify(req, 'confirm-email', field(req, CSRF_FIELD))) return refuse(res, t);
    try {
      const user = await services.emailChange.confirm(
        orm.em.fork(),
        field(req, 'token'),
        clientOf(req),
      );
      send(res, 200, page.emailConfirmed(t, user.email));
    } catch (err) {
      const reason = tokenFailure(err);
      send(res, reason === 'expired' ? 410 : 400, page.emailChangeFailed(t, reason));
    }
  });

  // Scoped: errors of routes mounted before this router (e.g. /health) keep their JSON answer.
  router.use(['/activate', '/reset-password', '/confirm-email'], pageErrors(logger, textOf));
  return router;
}

function send(res: Response, status: number, body: string): void {
  res.status(status).set(pageHeaders(CSP)).type('html').send(body);
}

function refuse(res: Response, t: PageText): void {
  send(res, 403, page.problem(t, t.say('refusedHeading'), t.say('refusedText')));
}

const missingLink = (t: PageText) =>
  page.problem(t, t.say('missingLinkHeading'), t.say('missingLinkText'));

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

function pageErrors(logger: Logger, textOf: (req: Request) => PageText): ErrorRequestHandler {
  return (err: { status?: number; statusCode?: number }, req, res, _next) => {
    const t = textOf(req);
    if (err instanceof AppError && err.code === ErrorCode.TOO_MANY_REQUESTS) {
      const retryAfter = Number(err.extensions.retryAfter) || 60;
      res.setHeader('Retry-After', String(retryAfter));
      return send(
        res,
        429,
        page.problem(t, t.say('tooManyHeading'), t.say('tooManyText', { seconds: retryAfter })),
      );
    }
    const status = err.status ?? err.statusCode ?? 500;
    // Never the request: its URL carries the token.
    if (status >= 500) logger.error(errorFields(err), 'page failed');
    send(
      res,
      status,
      status >= 500
        ? page.problem(t, t.say('failedHeading'), t.say('failedText'))
        : page.problem(t, t.say('unreadableHeading'), t.say('unreadableText')),
    );
  };
}
