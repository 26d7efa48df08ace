import type { MikroORM } from '@mikro-orm/core';
import express, { type Request, type Response, Router } from 'express';
import type { OAuthConfig } from './oauth.config';
import { clientInfo, type ClientIp } from '../http/client-ip';
import type { Logger } from '../logger';
import { readCookie } from '../pages/csrf';
import type { Services } from '../services';
import { OAuthFlowError } from './oauth-flow-error';
import { OAuthWebFlow } from './oauth-web-flow';

export interface OAuthRouterDeps {
  config: { readonly oauth: OAuthConfig };
  services: Services;
  orm: MikroORM;
  logger: Logger;
  clientIp: ClientIp;
}

/**
 * GET /oauth/<name>/start and GET|POST /oauth/<name>/callback (POST: Apple's form_post). Failures go
 * back to the app as `?error=<code>` when the flow named an allowed URL, else answer 400 as text.
 */
export function oauthRouter({ config, services, orm, logger, clientIp }: OAuthRouterDeps): Router {
  const router = Router();
  if (config.oauth.providers.length === 0) return router;
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const secure = config.oauth.callbackBaseUrl.startsWith('https:');

  const providerOf = (req: Request, res: Response) => {
    const provider = services.oauth.providers.find(String(req.params.name));
    if (!provider) res.status(404).type('text/plain').send('Unknown sign-in provider.');
    return provider;
  };

  router.get('/oauth/:name/start', async (req, res) => {
    const provider = providerOf(req, res);
    if (!provider) return;
    try {
      const started = await services.oauth.web.start(orm.em.fork(), provider, {
        redirectTo: single(req.query.redirect_to),
        link: single(req.query.link),
        state: single(req.query.state),
        codeChallenge: single(req.query.code_challenge),
        codeChallengeMethod: single(req.query.code_challenge_method),
      });
      res.cookie(started.cookie.name, started.cookie.value, {
        httpOnly: true,
        secure,
        // form_post callbacks (Apple) are cross-site POSTs: Lax would not send the cookie back.
        sameSite: secure ? 'none' : 'lax',
        path: `/oauth/${provider.name}/callback`,
        maxAge: started.cookie.maxAgeSec * 1000,
      });
      noStore(res).redirect(302, started.location);
    } catch (err) {
      fail(res, err);
    }
  });

  const callback = async (req: Request, res: Response) => {
    const provider = providerOf(req, res);
    if (!provider) return;
    const params = new URLSearchParams();
    const source = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown>;
    for (const [key, value] of Object.entries(source ?? {})) {
      if (typeof value === 'string') params.set(key, value);
    }
    try {
      const location = await services.oauth.web.callback(
        orm.em.fork(),
        provider,
        params,
        (name) => readCookie(req, name),
        clientInfo(req, clientIp),
      );
      const state = params.get('state');
      if (state)
        res.clearCookie(OAuthWebFlow.cookieName(state), {
          path: `/oauth/${provider.name}/callback`,
        });
      noStore(res).redirect(302, location);
    } catch (err) {
      fail(res, err);
    }
  };
  router.get('/oauth/:name/callback', callback);
  router.post('/oauth/:name/callback', form, callback);

  function fail(res: Response, err: unknown): void {
    if (err instanceof OAuthFlowError) {
      logger.info(
        { event: 'oauth_flow_failed', code: err.code, reason: err.message },
        'oauth flow failed',
      );
      const location = err.location;
      if (location) {
        noStore(res).redirect(302, location);
        return;
      }
      noStore(res)
        .status(400)
        .type('text/plain')
        .send('This sign-in link is invalid or has expired. Go back to the app and try again.');
      return;
    }
    logger.error({ err }, 'oauth flow error');
    noStore(res).status(500).type('text/plain').send('Sign-in failed. Try again later.');
  }

  return router;
}

const single = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

const noStore = (res: Response) =>
  res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
