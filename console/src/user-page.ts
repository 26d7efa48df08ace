import type { AuthqlUser } from '../../client/src/index';
import { ACTIONS, USER_PAGE, type Action, type EventRow, type UserDetail } from './api';
import { h, show, when } from './dom';
import { reauthenticate } from './reauthenticate';
import { auth, isAuthqlError, messageOf } from './session';
import { stateOf } from './users';

interface ActionSpec {
  label: string;
  /** The question confirm() asks. */
  ask: (email: string) => string;
  /** What the page says once it is done (the facts below show the change itself). */
  done: string;
}

const SPECS: Record<Action, ActionSpec> = {
  disable: {
    label: 'Disable',
    ask: (e) => `Disable ${e}? Their sessions end and they cannot sign in until enabled again.`,
    done: 'Sign-in is now blocked.',
  },
  enable: {
    label: 'Enable',
    ask: (e) => `Enable ${e}? They can sign in again.`,
    done: 'Sign-in is allowed again.',
  },
  makeAdmin: {
    label: 'Make admin',
    ask: (e) => `Make ${e} an administrator? Their sessions end; they sign in again as ADMIN.`,
    done: 'Role changed.',
  },
  makeUser: {
    label: 'Make user',
    ask: (e) => `Make ${e} a user (no administration)? Their sessions end.`,
    done: 'Role changed.',
  },
  endSessions: {
    label: 'End all sessions',
    ask: (e) => `End every session of ${e}? Each of their devices must sign in again.`,
    done: 'Signed out everywhere.',
  },
};

/** One user: what they have, what happened to them, and the admin actions `viewer` may take. */
export async function userView(
  root: Element,
  viewer: AuthqlUser,
  id: string,
  status?: string,
): Promise<void> {
  show(root, h('p', { class: 'muted' }, 'Loading…'));
  let page: { user: UserDetail | null; userSecurityEvents: EventRow[] };
  try {
    page = await auth.request(USER_PAGE, { id });
  } catch (err) {
    show(root, back(), h('p', { role: 'alert', class: 'error' }, messageOf(err)));
    return;
  }
  const { user, userSecurityEvents: events } = page;
  if (!user) {
    show(root, back(), h('p', { role: 'alert', class: 'error' }, 'No such user.'));
    return;
  }
  const error = h('p', { role: 'alert', class: 'error' });
  const heading = h('h2', { tabindex: '-1' }, user.email);
  const actions = available(user).map((action) =>
    h(
      'button',
      {
        type: 'button',
        class: action === 'disable' || action === 'endSessions' ? 'danger' : '',
        onclick: () => void run(root, viewer, user, action, error),
      },
      SPECS[action].label,
    ),
  );

  show(
    root,
    back(),
    heading,
    facts(user),
    h('div', { class: 'row actions' }, actions),
    h('p', { role: 'status', class: 'ok' }, status ?? ''),
    error,
    section('Sessions', user.sessions.length, sessions(user)),
    section('Security events', events.length, eventTable(events)),
    section('Linked providers', user.linkedAccounts.length, providers(user)),
    section('Organizations', user.organizations.length, organizations(user)),
  );
  heading.focus();
}

function available(user: UserDetail): Action[] {
  return [
    user.disabled ? 'enable' : 'disable',
    user.role === 'ADMIN' ? 'makeUser' : 'makeAdmin',
    'endSessions',
  ];
}

/** Confirm, send the mutation (after a fresh sign-in when the server asks for one), show the change. */
async function run(
  root: Element,
  viewer: AuthqlUser,
  user: UserDetail,
  action: Action,
  error: Element,
): Promise<void> {
  const spec = SPECS[action];
  if (!window.confirm(spec.ask(user.email))) return;
  error.textContent = '';
  try {
    try {
      await auth.request(ACTIONS[action], { id: user.id });
    } catch (err) {
      if (!isAuthqlError(err, 'REAUTHENTICATION_REQUIRED')) throw err;
      // Disabling or changing a role wants a sign-in younger than 15 minutes: prove it, then retry.
      if (!(await reauthenticate(root, viewer.email))) return void userView(root, viewer, user.id);
      await auth.request(ACTIONS[action], { id: user.id });
    }
  } catch (err) {
    error.textContent = messageOf(err);
    return;
  }
  // Ending their own sessions or their own ADMIN role ends this session too, but the client still
  // holds its tokens until a request is refused: sign out now (the server has ended the session
  // already, and the client forgets it either way) instead of loading a page the ended session
  // cannot read. signOut reports the signed-out state, on which main.ts shows the sign-in form.
  if (user.id === viewer.id && (action === 'endSessions' || action === 'makeUser'))
    return auth.signOut();
  // Or the session turned out to have ended when its token came due for refresh (reported alike).
  if ((await auth.accessToken()) === null) return;
  await userView(root, viewer, user.id, spec.done);
}

function back(): HTMLElement {
  return h('p', {}, h('a', { href: '#/' }, '← All users'));
}

function facts(user: UserDetail): HTMLElement {
  const pairs: [string, string][] = [
    ['Name', user.name ?? '—'],
    ['Role', user.role],
    ['State', stateOf(user)],
    ['Email verified', user.emailVerified ? 'Yes' : 'No'],
    ['Two-step (TOTP)', user.mfaEnabled ? 'On' : 'Off'],
    ['Passkeys', String(user.passkeyCount)],
    ['Created', when(user.createdAt)],
    ['Id', user.id],
  ];
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function section(title: string, count: number, content: Node): HTMLElement {
  return h('section', {}, h('h3', {}, `${title} (${count})`), content);
}

function table(headers: string[], rows: (string | Node)[][], empty: string): Node {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells) =>
          h(
            'tr',
            {},
            cells.map((c) => h('td', {}, c)),
          ),
        ),
      ),
    ),
  );
}

function sessions(user: UserDetail): Node {
  return table(
    ['Started', 'Last used', 'IP', 'Device'],
    user.sessions.map((s) => [
      when(s.createdAt),
      when(s.lastUsedAt),
      s.ip ?? '—',
      s.userAgent ?? '—',
    ]),
    'No live sessions.',
  );
}

function eventTable(events: EventRow[]): Node {
  return table(
    ['When', 'Event', 'Method', 'IP', 'By'],
    events.map((e) => [
      when(e.at),
      h('code', {}, e.type),
      [e.method, e.factor].filter(Boolean).join(' · ') || '—',
      e.ip ?? '—',
      e.actorId
        ? h('a', { href: `#/users/${encodeURIComponent(e.actorId)}` }, 'an administrator')
        : '—',
    ]),
    'No security events.',
  );
}

function providers(user: UserDetail): Node {
  return table(
    ['Provider', 'Address', 'Linked'],
    user.linkedAccounts.map((l) => [l.provider, l.email ?? '—', when(l.createdAt)]),
    'No linked providers.',
  );
}

function organizations(user: UserDetail): Node {
  return table(
    ['Organization', 'Slug', 'Role', 'Joined'],
    user.organizations.map((m) => [
      m.organization.name,
      m.organization.slug,
      m.role,
      when(m.joinedAt),
    ]),
    'No organizations.',
  );
}
