/**
 * A minimal browser for redirect chains: follows 3xx by hand and keeps cookies per host:port, so a
 * test sees every hop (the provider, the callback, the app URL it ends on). A new instance is a new
 * browser profile with no cookies.
 */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every URL requested, in order, and every cookie value ever set. */
  readonly visited: string[] = [];
  readonly cookieValues: string[] = [];

  /**
   * Opens `url` and follows redirects while they stay on `hosts` (origins); returns the first URL
   * outside them (the app's redirect_to), or the final non-redirect answer.
   */
  async open(
    url: string,
    hosts: string[],
    init: { method?: string; body?: URLSearchParams } = {},
  ): Promise<{ url: string; status: number; body: string; left: boolean }> {
    let current = new URL(url);
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.body;
    for (let hop = 0; hop < 20; hop++) {
      this.visited.push(current.href);
      const res = await fetch(current, {
        method,
        redirect: 'manual',
        headers: { cookie: this.cookieHeader(current) },
        body,
      });
      this.store(current, res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, current);
        await res.arrayBuffer();
        if (!hosts.includes(next.origin))
          return { url: next.href, status: res.status, body: '', left: true };
        current = next;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { url: current.href, status: res.status, body: await res.text(), left: false };
    }
    throw new Error('too many redirects');
  }

  cookies(origin: string): Map<string, string> {
    return this.jars.get(origin) ?? new Map();
  }

  private cookieHeader(url: URL): string {
    return [...this.cookies(url.origin)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(url: URL, setCookies: string[]): void {
    const jar = this.jars.get(url.origin) ?? new Map<string, string>();
    this.jars.set(url.origin, jar);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v] = a.split('=').map((s) => s.trim().toLowerCase());
        return (
          (k === 'max-age' && Number(v) <= 0) || (k === 'expires' && Date.parse(v!) < Date.now())
        );
      });
      if (expired || value === '') jar.delete(name);
      else {
        jar.set(name, value);
        this.cookieValues.push(value);
      }
    }
  }
}
