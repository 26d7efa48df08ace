/**
 * Where the client keeps its session (one string, JSON). `get`/`set` may be synchronous or
 * asynchronous, so localStorage, AsyncStorage and expo-secure-store all fit in a few lines.
 */
export interface TokenStorage {
  get(): Promise<string | null> | string | null;
  set(value: string | null): Promise<void> | void;
  /**
   * Optional: runs `fn` while no other holder of the same storage (another tab) runs its own, so
   * only one of them spends the refresh token. Without it, refreshes are single-flight per client.
   */
  lock?<T>(fn: () => Promise<T>): Promise<T>;
  /** Optional: calls `cb` when another holder (tab) changes the value; returns an unsubscribe. */
  subscribe?(cb: () => void): () => void;
}

/** Keeps the session in memory: gone when the process or page ends (Node services, tests). */
export function memoryStorage(initial: string | null = null): TokenStorage {
  let value = initial;
  return {
    get: () => value,
    set: (next) => {
      value = next;
    },
  };
}

interface LocksLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
  request<T>(
    name: string,
    options: { ifAvailable: true },
    callback: (lock: object | null) => Promise<T>,
  ): Promise<T>;
}
interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
interface StorageEventLike {
  key: string | null;
}
interface WindowLike {
  localStorage: StorageLike;
  addEventListener(type: 'storage', cb: (event: StorageEventLike) => void): void;
  removeEventListener(type: 'storage', cb: (event: StorageEventLike) => void): void;
  navigator?: { locks?: LocksLike };
}

const LEASE_MS = 10_000;

/**
 * Keeps the session in `window.localStorage` under `key`, shared by every tab of the origin.
 *
 * Cross-tab refresh: with the Web Locks API (`navigator.locks`, every current browser) the tabs
 * take one named lock around a refresh, and the second tab then finds the first one's new tokens
 * instead of spending the old refresh token again (the browser arbitrates the lock; localStorage
 * alone has no compare-and-set, hence the choice). Without it, a lease written to localStorage
 * (released by a storage event, or lapsing after 10 s) does the same on a best-effort basis:
 * localStorage has no compare-and-set, and the server's reuse grace covers that narrow gap.
 */
export function localStorageAdapter(key = 'authql.session'): TokenStorage {
  const win = globalThis as unknown as WindowLike;
  const store = () => win.localStorage;
  const lockName = `${key}.lock`;
  return {
    get: () => store().getItem(key),
    set: (value) => (value === null ? store().removeItem(key) : store().setItem(key, value)),
    lock<T>(fn: () => Promise<T>): Promise<T> {
      const locks = win.navigator?.locks;
      if (!locks) return withLease(store(), win, lockName, fn);
      const before = store().getItem(key);
      return locks.request(lockName, { ifAvailable: true }, async (free) => {
        if (free) return fn();
        // Another tab held the lock, likely refreshing. Its write reaches this tab's localStorage
        // asynchronously (not necessarily before the lock does): wait for it, briefly, so this tab
        // reads the new tokens instead of spending the old ones again.
        return locks.request(lockName, async () => {
          if (store().getItem(key) === before) await storageEvent(win, key, 1000);
          return fn();
        });
      });
    },
    subscribe(cb) {
      const listener = (event: StorageEventLike) => {
        if (event.key === key || event.key === null) cb();
      };
      win.addEventListener('storage', listener);
      return () => win.removeEventListener('storage', listener);
    },
  };
}

/** Resolves at the next storage event for `key` from another tab, or after `ms`. */
function storageEvent(win: WindowLike, key: string, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      win.removeEventListener('storage', onEvent);
      resolve();
    };
    const onEvent = (event: StorageEventLike) => {
      if (event.key === key) done();
    };
    const timer = setTimeout(done, ms);
    win.addEventListener('storage', onEvent);
  });
}

async function withLease<T>(
  store: StorageLike,
  win: WindowLike,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  const id = Math.random().toString(36).slice(2);
  for (;;) {
    const held = parseLease(store.getItem(name));
    if (!held || held.until < Date.now()) {
      store.setItem(name, JSON.stringify({ id, until: Date.now() + LEASE_MS }));
      // Another tab may have written at the same moment: the last writer wins, the other waits.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (parseLease(store.getItem(name))?.id === id) break;
    }
    await storageEvent(win, name, 250);
  }
  try {
    return await fn();
  } finally {
    if (parseLease(store.getItem(name))?.id === id) store.removeItem(name);
  }
}

function parseLease(text: string | null): { id: string; until: number } | null {
  try {
    const lease = text ? (JSON.parse(text) as { id: string; until: number }) : null;
    return lease && typeof lease.id === 'string' && typeof lease.until === 'number' ? lease : null;
  } catch {
    return null;
  }
}
