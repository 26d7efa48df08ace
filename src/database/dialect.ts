import type { Platform } from '@mikro-orm/core';

// The configurations of ORMs opened on PostgreSQL: code asks the dialect here, as `instanceof
// PostgreSqlConnection` would load the PostgreSQL driver package into a SQLite server. A leaf module, so
// entity folders can ask without importing the ORM set-up (which imports every entity).
const postgresConfigs = new WeakSet<object>();

/** Whether this EntityManager, connection or ORM talks to PostgreSQL (else SQLite). */
export function isPostgres(source: { getPlatform(): Platform }): boolean {
  return postgresConfigs.has(source.getPlatform().getConfig());
}

/** Called once by the ORM set-up for an ORM opened on PostgreSQL. */
export function markPostgres(config: object): void {
  postgresConfigs.add(config);
}
