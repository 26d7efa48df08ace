import { z } from 'zod';
import type { EnvOf } from '../config-fields';
import { checkTrustedProxies } from './client-ip';

const MAX_PROXY_HOPS = 10;

/** TRUST_PROXY: false, a hop count, or a comma list of proxy addresses/CIDRs; never "trust every hop". */
function parseTrustProxy(value: string, ctx: z.RefinementCtx): false | number | string[] {
  const v = value.trim().toLowerCase();
  const problem = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  if (['true', 'yes', 'on'].includes(v))
    return problem(
      'TRUST_PROXY=true is refused: it lets every client choose its own IP through X-Forwarded-For. ' +
        'Set the number of proxies in front of authql (e.g. 1) or their addresses/CIDRs',
    );
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= MAX_PROXY_HOPS
      ? hops
      : problem(`TRUST_PROXY must be a hop count from 0 to ${MAX_PROXY_HOPS} (got "${value}")`);
  }
  const list = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    checkTrustedProxies(list);
    return list;
  } catch (err) {
    return problem(
      `TRUST_PROXY must be false, a hop count or a comma list of proxy addresses/CIDRs (${(err as Error).message})`,
    );
  }
}

export const httpEnv = {
  TRUST_PROXY: z.string().default('false').transform(parseTrustProxy),
};

/** false: the socket address; n: trust n proxy hops; a list: trust these proxy addresses/CIDRs. */
export type TrustProxy = false | number | string[];

export function trustProxyConfig(e: EnvOf<typeof httpEnv>): TrustProxy {
  return e.TRUST_PROXY;
}
