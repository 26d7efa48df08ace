import type { AuthqlUser } from '../../client/src/index';
import { h, show } from './dom';
import { auth, isAuthqlError, messageOf } from './session';
import { signInView } from './sign-in';
import { userView } from './user-page';
import { usersView } from './users';

// The authql admin console: a page of this server, on @authql/client, for ADMIN accounts. Every
// read and change is the public GraphQL API, so it writes the same events and asks what it asks.

const root = document.getElementById('app')!;
let viewer: AuthqlUser | null = null;

/** Whom the stored session belongs to now (the server says: the role may have changed). */
async function whoAmI(): Promise<AuthqlUser | null> {
  if ((await auth.accessToken()) === null) return null;
  try {
    return await auth.me();
  } catch (err) {
    if (isAuthqlError(err, 'UNAUTHENTICATED')) return null;
    throw err;
  }
}

async function start(): Promise<void> {
  try {
    viewer = await whoAmI();
  } catch (err) {
    show(root, h('p', { role: 'alert', class: 'error' }, messageOf(err)));
    return;
  }
  render();
}

function render(): void {
  if (!viewer) return signInView(root, () => void start());
  if (viewer.role !== 'ADMIN') return denied();
  const content = h('main', { id: 'content' });
  show(
    root,
    h(
      'header',
      {},
      h('a', { href: '#/', class: 'brand' }, 'authql admin'),
      h('span', { class: 'muted who' }, viewer.email),
      h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'),
    ),
    content,
  );
  route(content, viewer);
}

/** A USER who signs in learns only that this is not for them. */
function denied(): void {
  show(
    root,
    h(
      'div',
      { class: 'card' },
      h('p', { role: 'alert' }, 'Administrators only.'),
      h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'),
    ),
  );
}

function route(content: Element, viewer: AuthqlUser): void {
  const match = /^#\/users\/([^/?]+)$/.exec(location.hash);
  if (match) void userView(content, viewer, decodeURIComponent(match[1]!));
  else usersView(content);
}

function signOut(): void {
  void auth.signOut().finally(() => {
    viewer = null;
    history.replaceState(null, '', '#/');
    render();
  });
}

window.addEventListener('hashchange', () => {
  const content = document.getElementById('content');
  if (viewer?.role === 'ADMIN' && content) route(content, viewer);
});

// The session ended elsewhere (revoked, expired, another tab signed out): back to the sign-in form.
auth.onChange((user) => {
  if (user === null && viewer !== null) {
    viewer = null;
    signInView(root, () => void start(), 'Your session has ended. Sign in again.');
  }
});

void start();
