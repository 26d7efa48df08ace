import { SEARCH_USERS, type UserRow } from './api';
import { h, show, when } from './dom';
import { auth, messageOf } from './session';

const PAGE = 50;
/** The last search, so "All users" comes back to the same list. */
let lastQuery = '';

export const stateOf = (user: Pick<UserRow, 'disabled' | 'isActive'>): string =>
  user.disabled ? 'Disabled' : user.isActive ? 'Active' : 'Not activated';

/** "Search users": matches by part of the address (every user when empty), 50 at a time. */
export function usersView(root: Element): void {
  const input = h('input', {
    id: 'search',
    type: 'search',
    name: 'query',
    value: lastQuery,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const summary = h('p', { role: 'status', class: 'muted' });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  let generation = 0;
  let shown = 0;

  const load = async (append: boolean) => {
    const mine = ++generation;
    const query = input.value.trim();
    lastQuery = query;
    if (!append) shown = 0;
    summary.textContent = 'Searching…';
    try {
      const { searchUsers } = await auth.request(SEARCH_USERS, {
        query: query || null,
        limit: PAGE,
        offset: shown,
      });
      if (mine !== generation) return; // a newer search answered first or is on its way
      if (!append) body.replaceChildren();
      for (const user of searchUsers.items) body.appendChild(row(user));
      shown += searchUsers.items.length;
      const what = searchUsers.total === 1 ? 'user' : 'users';
      summary.textContent = query
        ? `${searchUsers.total} ${what} matching “${query}”`
        : `${searchUsers.total} ${what}`;
      more.hidden = shown >= searchUsers.total;
    } catch (err) {
      if (mine === generation) summary.textContent = messageOf(err);
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(false), 250);
  });
  more.addEventListener('click', () => void load(true));

  show(
    root,
    h(
      'form',
      {
        role: 'search',
        class: 'search',
        onsubmit: (event) => {
          event.preventDefault();
          clearTimeout(timer);
          void load(false);
        },
      },
      h('label', { for: 'search' }, 'Search users'),
      input,
    ),
    summary,
    h(
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
            h('th', {}, 'Email'),
            h('th', {}, 'Role'),
            h('th', {}, 'State'),
            h('th', {}, 'Created'),
          ),
        ),
        body,
      ),
    ),
    more,
  );
  input.focus();
  void load(false);
}

function row(user: UserRow): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: `#/users/${encodeURIComponent(user.id)}` }, user.email)),
    h('td', {}, user.role),
    h('td', {}, stateOf(user)),
    h('td', {}, h('time', { datetime: user.createdAt }, when(user.createdAt))),
  );
}
