import { resolve } from 'node:path';
import {
  createAuthqlClient,
  memoryStorage,
  type AuthqlUser,
  type FetchLike,
} from '../../client/src';
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
  user: AuthqlUser;
  /** What onChange reported: the user at sign-in, null at sign-out. */
  changes: Array<string | null>;
  /** refreshToken calls the client made by itself. */
  refreshes: number;
}

const ACTIVATE = `mutation ($token: String!) { activateAccount(token: $token) { id email } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Zero to a signed-in `me` with @authql/client: sign up, activate from the mail, sign in, refresh, sign out. */
export async function quickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const log = options.log ?? (() => {});
  let refreshes = 0;
  // Only to count the refreshes the client makes on its own; apps pass nothing (the global fetch).
  const watching: FetchLike = (input, init) => {
    if (String(init.body).includes('refreshToken(refreshToken:')) refreshes++;
    return fetch(input, init);
  };
  const auth = createAuthqlClient({
    url: options.url,
    storage: memoryStorage(),
    fetch: watching,
    // 0 for the demo's short-lived tokens; real apps keep the default 30 s margin.
    refreshMarginSec: options.waitForExpiry ? 0 : 30,
  });
  const changes: Array<string | null> = [];
  auth.onChange((user) => {
    changes.push(user?.email ?? null);
    log(`onChange: ${user ? user.email : 'signed out'}`);
  });
  const readLink =
    options.activationLink ??
    ((email: string) => linkFromOutbox(options.outboxDir ?? resolve('data/outbox'), email));

  await auth.signUp({ email: options.email, password: options.password });
  log(`signed up ${options.email}; waiting for the activation mail`);
  const link = await readLink(options.email);
  // Works for https:// and custom-scheme (myapp://auth/activate?token=...) links alike.
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`no token in ${link}`);
  await auth.request(ACTIVATE, { token });
  log('activated');

  const signedIn = await auth.signIn({ email: options.email, password: options.password });
  if (signedIn.status !== 'signed-in') throw new Error('this account asks for a second factor');
  const user = await auth.me();
  log(`me: ${JSON.stringify(user)}`);

  if (options.waitForExpiry) {
    const accessToken = (await auth.accessToken())!;
    const { exp } = JSON.parse(atob(accessToken.split('.')[1]!)) as { exp: number };
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 300);
    log(`me after expiry: ${JSON.stringify(await auth.me())}`);
  }

  await auth.signOut();
  log('signed out');
  return { user, changes, refreshes };
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
