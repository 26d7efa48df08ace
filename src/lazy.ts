/**
 * `load()` on the first call, its result kept for every later one. For feature libraries a boot does
 * not need (`lazy(() => import('…'))`): each costs start-up time in every process, even when the
 * feature is never used.
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: { value: T } | null = null;
  return () => (loaded ??= { value: load() }).value;
}

/**
 * `lazy()` for a CommonJS module a synchronous caller needs (where `import()` would make it async):
 * `const prom = lazyRequire<typeof PromClient>('prom-client')`.
 */
export function lazyRequire<T>(id: string): () => T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return lazy(() => require(id) as T);
}
