/**
 * What a log line may say about an unexpected error. No import of the ORM: the logger (also in a
 * cluster primary, which must not load it) serializes `err` fields with this.
 */

const SAFE_CODE = /^[A-Z][A-Z0-9_]{0,39}$/;
/** Fields only database drivers set (sqlite3, pg, knex, MikroORM's copies of them). */
const DRIVER_FIELDS = ['sql', 'errno', 'severity', 'sqlState', 'sqlMessage', 'routine', 'sqlite'];
/** An error made inside a driver (pg's "Connection terminated unexpectedly" is a plain Error). */
const DRIVER_FRAME =
  /[\\/]node_modules[\\/](?:pg|pg-pool|pg-protocol|sqlite3|knex|@mikro-orm[\\/](?:knex|postgresql|sqlite))[\\/]/;
/** knex rewrites a failed query's message to `<the SQL with its values inlined> - <driver message>`. */
const KNEX_PREFIX =
  /^\s*\(?\s*(?:select|insert|update|delete|with|begin|commit|rollback|savepoint|release|create|alter|drop|pragma|set|lock|truncate|vacuum)\b[\s\S]* - /i;
/** SQL quoted anywhere in a message, e.g. by a wrapper that copied a driver's message into its own. */
const SQL_TEXT = /\b(?:select\b[\s\S]+\bfrom|insert\s+into|update\b[\s\S]+\bset|delete\s+from)\b/i;
/** How deep a chain of wrappers is followed. */
const MAX_DEPTH = 8;

/**
 * The error and every error it wraps: `cause` (ES2022, MikroORM), `errors` (AggregateError: pg's
 * ECONNREFUSED on several addresses), `originalError` (GraphQLError) and `thrownValue` (graphql-js'
 * NonErrorThrown around a thrown plain object).
 */
function chainOf(err: unknown): unknown[] {
  const seen = new Set<unknown>();
  const chain: unknown[] = [];
  const visit = (value: unknown, depth: number) => {
    if (value === null || value === undefined || seen.has(value) || depth > MAX_DEPTH) return;
    seen.add(value);
    chain.push(value);
    if (typeof value !== 'object') return;
    const v = value as Record<string, unknown>;
    for (const key of ['cause', 'originalError', 'thrownValue', 'previous'])
      if (key in v) visit(v[key], depth + 1);
    if (Array.isArray(v.errors)) for (const inner of v.errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return chain;
}

function classOf(value: unknown): string {
  if (value instanceof Error) return value.constructor.name || value.name;
  return typeof value;
}

/** MikroORM's wrappers (DriverException and its subclasses), by name: instanceof fails across copies. */
function isDriverException(value: object): boolean {
  for (let proto = Object.getPrototypeOf(value) as object | null; proto;) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'DriverException')
      return true;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return false;
}

/** True for one link of a chain that came from (or quotes) a database driver. */
function isDatabaseLink(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isDriverException(value)) return true;
  if (DRIVER_FIELDS.some((field) => field in value)) return true;
  const { message, stack } = value as { message?: unknown; stack?: unknown };
  if (typeof message === 'string' && (KNEX_PREFIX.test(message) || SQL_TEXT.test(message)))
    return true;
  if (typeof stack !== 'string') return false;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.slice(0, 3).some((frame) => DRIVER_FRAME.test(frame));
}

/**
 * True when the error, or anything it wraps, comes from a database driver: MikroORM's wrapped driver
 * errors, raw sqlite3 / pg / knex errors, a plain Error made inside a driver, a message knex prefixed
 * with its SQL, and any wrapper around one of those.
 */
export function isDatabaseError(err: unknown): boolean {
  return chainOf(err).some(isDatabaseLink);
}

/**
 * What a log line may say about an unexpected error: its class, a short driver code (SQLITE_BUSY) and,
 * for errors that are not the database's, the message and stack. A driver's message carries the SQL
 * and its values (password hashes, addresses), so nothing of a database error but its classes and
 * code reaches a log line or a response, however it is wrapped.
 */
export function errorFields(err: unknown): Record<string, unknown> {
  const chain = chainOf(err);
  const code = chain
    .map((link) => (link as { code?: unknown } | null)?.code)
    .find((c): c is string => typeof c === 'string' && SAFE_CODE.test(c));
  const fields: Record<string, unknown> = {
    errorClass: classOf(err),
    ...(code ? { errorCode: code } : {}),
    ...(chain.length > 1 ? { causes: chain.slice(1).map(classOf) } : {}),
  };
  if (!(err instanceof Error) || chain.some(isDatabaseLink)) return fields;
  return { ...fields, errorMessage: err.message, stack: stackFrames(err) };
}

/** The stack without its first line (which repeats the message): only `at ...` frames. */
export function stackFrames(err: Error): string[] {
  return (err.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
}
