import { isLoopbackHost, type Config } from './config';

/**
 * What `npm start` prints once it listens: the API's address, in development the pages a developer
 * opens next (the start page, the GraphQL endpoint, GraphiQL and the admin console), and where mail goes.
 */
export function startBanner(
  config: Config,
  graphqlUrl: string,
  { mail, workers }: { mail?: string; workers?: number },
): string[] {
  const lines = [`authql listening on ${graphqlUrl}${workers ? ` (${workers} workers)` : ''}`];
  if (config.env === 'development') {
    const url = new URL(graphqlUrl);
    // localhost rather than 127.0.0.1: the address passkeys and the mailed links (APP_URL) use.
    if (isLoopbackHost(url.hostname)) url.hostname = 'localhost';
    const at = (path: string) => new URL(path, url).href;
    lines.push(
      `authql development page: ${at('/')}`,
      `authql GraphQL: ${at('/graphql')} (Apollo Sandbox in a browser; GraphiQL at ${at('/graphiql')})`,
    );
    if (config.adminConsole) lines.push(`authql admin console: ${at('/admin')}`);
  }
  // A cluster's primary has no mailer: one worker describes the transport.
  if (mail) lines.push(`authql ${mail}`);
  return lines;
}
