import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express } from 'express';
import type { Metrics } from './metrics';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * GET /metrics, only with `Authorization: Bearer <METRICS_TOKEN>`; 404 without a token configured
 * or presented, so the endpoint's existence is no hint. Digests of equal length are compared in
 * constant time: nothing about the token leaks through timing.
 */
export function mountMetrics(app: Express, metrics: Metrics, token: string | null): void {
  if (!token || !metrics.enabled) return;
  const expected = digest(`Bearer ${token}`);
  app.get('/metrics', async (req, res, next) => {
    const presented = req.headers.authorization;
    if (typeof presented !== 'string' || !timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    try {
      const rendered = await metrics.render();
      if (!rendered) return next();
      res.set('content-type', rendered.contentType).set('cache-control', 'no-store');
      res.send(rendered.body);
    } catch (err) {
      next(err);
    }
  });
}
