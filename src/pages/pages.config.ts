import { z } from 'zod';
import type { EnvOf } from '../config-fields';

export const pagesEnv = {
  PAGES: z
    .enum(['auto', 'on', 'off'], { message: 'PAGES must be auto, on or off' })
    .default('auto'),
};

/** Built-in pages for the emailed links (src/pages): `enabled` is PAGES resolved against APP_URL. */
export interface PagesConfig {
  readonly mode: 'auto' | 'on' | 'off';
  readonly enabled: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * PAGES=auto: the mailed links point at this very server when APP_URL is plain http on a loopback
 * name (or HOST itself), on PORT, with no path. Anything else (https, another host, a path) is taken
 * to be a front end of its own or a proxy: set PAGES=on to serve the pages there anyway.
 */
export function appUrlIsThisServer(appUrl: string, host: string, port: number): boolean {
  const url = new URL(appUrl);
  const urlPort = url.port ? Number(url.port) : 80;
  return (
    url.protocol === 'http:' &&
    (url.pathname === '/' || url.pathname === '') &&
    urlPort === port &&
    (LOOPBACK_HOSTS.has(url.hostname) || url.hostname === host.toLowerCase())
  );
}

export function pagesConfig(
  e: EnvOf<typeof pagesEnv>,
  appUrl: string,
  host: string,
  port: number,
): PagesConfig {
  return {
    mode: e.PAGES,
    enabled: e.PAGES === 'on' || (e.PAGES === 'auto' && appUrlIsThisServer(appUrl, host, port)),
  };
}
