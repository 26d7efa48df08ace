import { randomUUID } from 'node:crypto';
import { createApp } from '../src/app';
import { ipLimitKey } from '../src/limits/ip-key';
import {
  codeOf,
  PASSWORD,
  REQUEST_RESET,
  RESEND,
  SIGN_IN,
  SIGN_UP,
  uniqueEmail,
} from './helpers/flows';
import { postGraphql } from './helpers/http';
import { PRODUCTION_ENV } from './helpers/production';
import { startTestServer, type TestServer } from './helpers/server';

// Finding 5 (issue 15): a request refused by its per-IP limit spends nothing of the per-address
// budget, and IPv6 clients are counted by their /64. Client IPs come from X-Forwarded-For behind one
// trusted proxy (TRUST_PROXY=1), as in a deployment behind a load balancer.
const WRONG = 'not the right passphrase';

const servers: TestServer[] = [];
async function serverWith(env: Record<string, string>) {
  const server = await startTestServer({
    ...PRODUCTION_ENV,
    TRUST_PROXY: '1',
    RATE_LIMIT_PREFIX: `t${randomUUID().slice(0, 8)}`,
    ...env,
  });
  servers.push(server);
  return server;
}
afterAll(() => Promise.all(servers.map((s) => s.close())));

const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

describe('the IP limit is checked first', () => {
  it('sign-up, resend and reset refused by the IP limit leave the address budget untouched', async () => {
    const server = await serverWith({
      RATE_LIMIT_EMAIL_PER_IP: '2',
      RATE_LIMIT_EMAIL_PER_ADDRESS: '3',
    });
    const victim = uniqueEmail('victim');
    const attacker = '203.0.113.66';
    for (let i = 0; i < 2; i++)
      expect(
        (await server.gql(RESEND, { email: uniqueEmail('x') }, from(attacker))).errors,
      ).toBeUndefined();
    // The attacker's IP is spent: none of these may cost the victim's address anything.
    for (let i = 0; i < 4; i++) {
      for (const [query, vars] of [
        [SIGN_UP, { email: victim, password: PASSWORD }],
        [RESEND, { email: victim }],
        [REQUEST_RESET, { email: victim }],
      ] as const) {
        expect(codeOf(await server.gql(query, vars, from(attacker)))).toBe('TOO_MANY_REQUESTS');
      }
    }
    // The victim, from their own IPs, still has the whole budget of 3 for their address.
    expect(
      (await server.gql(SIGN_UP, { email: victim, password: PASSWORD }, from('198.51.100.1')))
        .errors,
    ).toBeUndefined();
    expect(
      (await server.gql(RESEND, { email: victim }, from('198.51.100.1'))).errors,
    ).toBeUndefined();
    expect(
      (await server.gql(REQUEST_RESET, { email: victim }, from('198.51.100.2'))).errors,
    ).toBeUndefined();
    expect(codeOf(await server.gql(RESEND, { email: victim }, from('198.51.100.3')))).toBe(
      'TOO_MANY_REQUESTS',
    );
  });

  it('sign-ins refused by the IP limit spend no failure of the account', async () => {
    const server = await serverWith({
      RATE_LIMIT_SIGNIN_PER_IP: '1',
      RATE_LIMIT_SIGNIN_FAILURES_PER_ACCOUNT: '2',
    });
    const victim = uniqueEmail('victim');
    const attacker = '203.0.113.77';
    expect(
      codeOf(
        await server.gql(SIGN_IN, { email: uniqueEmail('x'), password: WRONG }, from(attacker)),
      ),
    ).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 5; i++)
      expect(
        codeOf(await server.gql(SIGN_IN, { email: victim, password: WRONG }, from(attacker))),
      ).toBe('TOO_MANY_REQUESTS');
    const codes = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
      codes.push(codeOf(await server.gql(SIGN_IN, { email: victim, password: WRONG }, from(ip))));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'TOO_MANY_REQUESTS']);
  });
});

describe('IPv6 clients are limited per /64', () => {
  it('addresses of one /64 share a limit; another /64 has its own', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_PER_IP: '2' });
    const attempt = async (ip: string) =>
      codeOf(await server.gql(SIGN_IN, { email: uniqueEmail('x'), password: WRONG }, from(ip)));
    expect(await attempt('2001:db8:1:2::1')).toBe('UNAUTHENTICATED');
    expect(await attempt('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe('UNAUTHENTICATED');
    expect(await attempt('2001:0db8:0001:0002:abcd::9')).toBe('TOO_MANY_REQUESTS');
    expect(await attempt('2001:db8:1:3::1')).toBe('UNAUTHENTICATED');
  });

  it('a client connected over ::1 is limited like any other', async () => {
    const server = await serverWith({ RATE_LIMIT_SIGNIN_PER_IP: '2', TRUST_PROXY: 'false' });
    const app = await createApp(server.config);
    try {
      const url = await app.listen(0, '::1');
      expect(new URL(url).hostname).toBe('[::1]');
      const attempt = async () =>
        codeOf(await postGraphql(url, SIGN_IN, { email: uniqueEmail('x'), password: WRONG }));
      expect([await attempt(), await attempt(), await attempt()]).toEqual([
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
        'TOO_MANY_REQUESTS',
      ]);
    } finally {
      await app.close();
    }
  });

  it('ipLimitKey: IPv4 whole, IPv6 by its /64, IPv4-mapped as IPv4', () => {
    expect(ipLimitKey(null)).toBeNull();
    expect(ipLimitKey('192.0.2.7')).toBe('192.0.2.7');
    expect(ipLimitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(ipLimitKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
    expect(ipLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(ipLimitKey('[2001:db8::1]')).toBe('2001:db8:0:0::/64');
    expect(ipLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    const same = [
      '2001:db8:1:2::1',
      '2001:0DB8:0001:0002:0000:0000:0000:0001',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:db8:1:2::192.0.2.1',
    ].map(ipLimitKey);
    expect(new Set(same)).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(ipLimitKey('2001:db8:1:3::1')).not.toBe(same[0]);
    expect(ipLimitKey('2001:db8::1:2:0:0:1')).toBe('2001:db8:0:1::/64');
    expect(ipLimitKey('not an ip')).toBe('not an ip');
  });
});
