import { randomUUID } from 'node:crypto';
import {
  ACTIVATE,
  codeOf,
  PASSWORD,
  REQUEST_RESET,
  SESSIONS,
  SIGN_IN,
  SIGN_UP,
  uniqueEmail,
} from './helpers/flows';
import { postFrom, startForwardingProxy, type ForwardingProxy } from './helpers/forwarding-proxy';
import { linkToken } from './helpers/inbox';
import { PROCESS_MODES, useProcesses, type AuthqlProcess } from './helpers/process';

// The test client connects from addresses of its own (all of 127.0.0.0/8 is this machine), so the
// client IP the server records can be told apart from the proxy's (127.0.0.1) and the forged ones.
describe.each(PROCESS_MODES)('TRUST_PROXY in NODE_ENV=%s', (mode) => {
  const processes = useProcesses({ NODE_ENV: mode });
  const proxies: ForwardingProxy[] = [];
  afterAll(() => Promise.all(proxies.map((p) => p.close())));

  const start = (env: Record<string, string>) =>
    processes.start({ RATE_LIMIT_PREFIX: `p${randomUUID().slice(0, 8)}`, ...env });
  async function proxyFor(proc: AuthqlProcess) {
    const proxy = await startForwardingProxy(proc.url);
    proxies.push(proxy);
    return proxy;
  }

  /** Signs in a fresh account through `url` from `localAddress` and returns the IP its session shows. */
  async function sessionIp(
    proc: AuthqlProcess,
    localAddress: string,
    url: string,
    forged: string,
  ): Promise<unknown> {
    const email = uniqueEmail('proxied');
    expect((await proc.gql(SIGN_UP, { email, password: PASSWORD })).errors).toBeUndefined();
    const mail = await processes.inbox.waitFor(email, 1, 10_000);
    expect((await proc.gql(ACTIVATE, { token: linkToken(mail, '/activate') })).errors).toBe(
      undefined,
    );
    const signedIn = await postFrom(
      localAddress,
      url,
      SIGN_IN,
      { email, password: PASSWORD },
      { headers: { 'x-forwarded-for': forged } },
    );
    expect(signedIn.errors).toBeUndefined();
    const token = (signedIn.data as any).signIn.accessToken as string;
    const sessions = await proc.gql(SESSIONS, {}, token);
    expect(sessions.errors).toBeUndefined();
    return (sessions.data as any).sessions[0].ip;
  }

  it('with a hop count, a client forging X-Forwarded-For through the proxy stays one IP: 25 resets against a limit of 20', async () => {
    const proc = await start({ TRUST_PROXY: '1', RATE_LIMIT_EMAIL_PER_IP: '20' });
    const proxy = await proxyFor(proc);
    const codes: unknown[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await postFrom(
        '127.0.0.7',
        proxy.url,
        REQUEST_RESET,
        { email: uniqueEmail('reset') },
        { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } },
      );
      codes.push(res.errors ? codeOf(res) : 'ok');
    }
    expect(codes).toEqual([
      ...Array<string>(20).fill('ok'),
      ...Array<string>(5).fill('TOO_MANY_REQUESTS'),
    ]);
    // The session records the address the proxy saw, neither the forged one nor the proxy's own.
    expect(await sessionIp(proc, '127.0.0.8', proxy.url, '198.51.100.9')).toBe('127.0.0.8');
  });

  it('with a list of proxy addresses, hops added by untrusted addresses are not believed', async () => {
    const proc = await start({ TRUST_PROXY: '127.0.0.1/32, 10.0.0.0/8' });
    const proxy = await proxyFor(proc);
    // Through the trusted proxy: the client's own forged "trusted" hop stops at the client's address.
    expect(await sessionIp(proc, '127.0.0.9', proxy.url, '198.51.100.1, 127.0.0.1')).toBe(
      '127.0.0.9',
    );
    // Straight to the server from an address not in the list: its X-Forwarded-For counts for nothing.
    expect(await sessionIp(proc, '127.0.0.10', proc.url, '198.51.100.2')).toBe('127.0.0.10');
    // From the trusted proxy's own address, a hop it added is believed.
    expect(await sessionIp(proc, '127.0.0.1', proc.url, '198.51.100.3')).toBe('198.51.100.3');
  });

  it('without TRUST_PROXY reads the socket address only', async () => {
    const proc = await start({});
    const proxy = await proxyFor(proc);
    expect(await sessionIp(proc, '127.0.0.11', proxy.url, '198.51.100.4')).toBe('127.0.0.1');
  });
});
