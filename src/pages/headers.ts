/** Headers of every built-in page: `csp` varies, the rest does not. */
export function pageHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Frame-Options': 'DENY',
    // Tokens travel in URLs (mailed links, mail bodies): they must not go on in a Referer header.
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}
