import type { EntityManager, EntityName } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/knex';
import { isPostgres } from './dialect';
import { NestedTransactionError, transaction } from './unit-of-work';

/** One row for one entity's table, by property name (what `em.insert(Entity, row)` takes). */
export interface RowInsert {
  entity: EntityName<object>;
  row: Record<string, unknown>;
}

/**
 * Inserts rows into several tables, all or none. On PostgreSQL that is one statement (data-modifying
 * WITH clauses run once and to completion, in the statement's own transaction): one round trip instead
 * of BEGIN, an INSERT each and COMMIT, and no ORM unit of work to fork and flush. On SQLite, whose
 * round trips stay in the process, one transaction. For writes that need no after-commit effect;
 * never inside a transaction (NestedTransactionError).
 */
export async function insertTogether(em: EntityManager, inserts: RowInsert[]): Promise<void> {
  // Inside a caller's transaction the rows would be written apart from it: refuse, as transaction() does.
  if (em.isInTransaction()) throw new NestedTransactionError();
  if (!isPostgres(em)) {
    await transaction(em, async (uow) => {
      for (const { entity, row } of inserts) await uow.em.insert(entity, row);
    });
    return;
  }
  const sql = em as SqlEntityManager;
  // The ORM builds each INSERT (column names, value conversions); only their joining is ours.
  const parts = inserts.map(({ entity, row }) =>
    sql.createQueryBuilder(entity).insert(row).getKnexQuery().toSQL(),
  );
  const last = parts[parts.length - 1]!;
  const ctes = parts.slice(0, -1).map((part, i) => `i${i} as (${part.sql})`);
  const statement = `${ctes.length > 0 ? `with ${ctes.join(', ')} ` : ''}${last.sql}`;
  const bindings = parts.flatMap((part) => part.bindings) as unknown[];
  await sql.getConnection().execute(statement, bindings, 'run');
}
