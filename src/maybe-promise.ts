/** A value that is ready now (answered from memory) or later (read from the database). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * `fn(value)` at once for a ready value, after it settles for a promise. The per-request auth path is
 * written with it so a request answered from memory allocates no promise and waits for no microtask:
 * graphql-js then completes the field synchronously too.
 */
export function whenReady<T, R>(
  value: MaybePromise<T>,
  fn: (value: T) => MaybePromise<R>,
): MaybePromise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
