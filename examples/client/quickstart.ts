import { resolve } from 'node:path';
import { AuthqlClient, type ClientEvent, type User } from './authql-client';
import { linkFromOutbox } from './outbox';

export interface QuickstartOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  email: string;
  password: string;
  /** Returns the activation link mailed to `email`; by default read from the development outbox. */
  activationLink?: (email: string) => Promise<string>;
  outboxDir?: string;
  /** Wait for the access token to expire once, to show the automatic refresh (slow with a 15m TTL). */
  waitForExpiry?: boolean;
  log?: (line: string) => void;
}

export interface QuickstartResult {
  user: User;
  events: ClientEvent[];
  signOut: 'signed-out' | 'not-supported';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Zero to a signed-in `me`: sign up, activate from the mail, sign in, refresh, sign out. */
export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const log = options.log ?? (() => {});
  const events: ClientEvent[] = [];
  const client = new AuthqlClient(options.url, {
    // 0 for the demo's short-lived tokens; real apps keep the default 30 s margin.
    refreshMarginSec: options.waitForExpiry ? 0 : 30,
    onEvent: (event) => {
      events.push(event);
      log(`event: ${JSON.stringify(event)}`);
    },
  });
  const readLink =
    options.activationLink ??
    ((email: string) => linkFromOutbox(options.outboxDir ?? resolve('data/outbox'), email));

  await client.signUp(options.email, options.password);
  log(`signed up ${options.email}; waiting for the activation mail`);
  const link = await readLink(options.email);
  // Works for https:// and custom-scheme (myapp://auth/activate?token=...) links alike.
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  await client.activate(token);
  log('activated');

  await client.signIn(options.email, options.password);
  const user = await client.me();
  log(`me: ${JSON.stringify(user)}`);

  if (options.waitForExpiry) {
    const session = (await client.session())!;
    await sleep(Math.max(0, session.accessExpiresAt - Date.now()) + 300);
    log(`me after expiry: ${JSON.stringify(await client.me())}`);
  } else {
    await client.refresh();
    log('refreshed');
  }

  const signOut = await client.signOut();
  log(`sign out: ${signOut}`);
  return { user, events, signOut };
}

// `npm run example:client` against a server started with `npm start` (no SMTP_URL).
if (require.main === module) {
  const url = process.env.AUTHQL_URL ?? 'http://localhost:4000/graphql';
  quickstart({
    url,
    email: `quickstart-${Date.now()}@example.com`,
    password: 'correct horse battery staple',
    outboxDir: process.env.AUTHQL_OUTBOX,
    log: (line) => console.log(line),
  }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
