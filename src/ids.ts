// The ids authql hands out (randomUUID: lower-case hex). Checked before a query, so a malformed id
// is "no such thing" on every dialect instead of a PostgreSQL uuid cast error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUuid = (value: string): boolean => UUID.test(value);
