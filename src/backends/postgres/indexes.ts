import type pg from 'pg';
import { type IndexDialect, type IndexSpec, indexPrefix, sqlString } from '../kit/indexes.js';
import { lockedTransaction } from './locked-transaction.js';

/**
 * PostgreSQL's indexed expressions: a typed extraction under a type guard, NULL for values
 * of any other type, so a document of another shape never fails the index (a plain
 * `::numeric` cast would). Strings under `COLLATE "C"` (code point order), numbers as
 * `numeric` (exact), booleans as `boolean`.
 */
export const postgresIndexes: IndexDialect = {
  expression(path, type, column) {
    const at = `(${column}${path.map((s) => ` -> ${sqlString(s)}`).join('')})`;
    switch (type) {
      case 'string':
        return `((CASE WHEN jsonb_typeof(${at}) = 'string' THEN ${at} #>> '{}' END) COLLATE "C")`;
      case 'number':
        return `(CASE WHEN jsonb_typeof(${at}) = 'number' THEN ${at}::numeric END)`;
      default:
        return `(CASE WHEN jsonb_typeof(${at}) = 'boolean' THEN ${at}::boolean END)`;
    }
  },
  operand(value, type, bind) {
    if (type === 'boolean') return value ? 'true' : 'false';
    return type === 'string'
      ? `(${bind(value as string)}::text COLLATE "C")`
      : `${bind(value as number)}::numeric`;
  },
  column: 'c.body',
};

/** The partial-index predicate of a collection's indexes; queries say it in the same words. */
export const collectionPredicate = (collection: string, alias = ''): string =>
  `${alias}collection = ${sqlString(collection)} AND NOT ${alias}deleted`;

// One index over live documents of one collection, per tenant. A non-unique one ends with
// the id, the tie-breaker of every query's order, so it serves a sort and a limit whole.
function createIndex(s: string, collection: string, index: IndexSpec): string {
  const keys = index.fields.map((f) => postgresIndexes.expression(f.path, f.type, 'body'));
  const columns = ['tenant', ...keys, ...(index.unique ? [] : ['(id COLLATE "C")'])];
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${index.name}
    ON ${s}.documents (${columns.join(', ')}) WHERE ${collectionPredicate(collection)}`;
}

/**
 * Makes the indexes of a collection exactly `indexes`: creates the missing ones and drops
 * those noclobber made for it that are no longer declared, in one transaction under an
 * advisory lock, so processes that start at once do it one after the other.
 */
export async function ensureIndexes(
  pool: pg.Pool,
  schema: string,
  s: string,
  collection: string,
  indexes: readonly IndexSpec[],
): Promise<void> {
  await lockedTransaction(pool, `noclobber:${schema}:indexes`, async (client) => {
    const prefix = indexPrefix(collection);
    const { rows } = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'documents'
          AND (indexname LIKE $2 OR indexname LIKE $3)`,
      [schema, `nc\\_ix\\_${prefix}%`, `nc\\_ux\\_${prefix}%`],
    );
    const wanted = new Set(indexes.map((index) => index.name));
    for (const { indexname } of rows) {
      if (!wanted.has(indexname)) await client.query(`DROP INDEX IF EXISTS ${s}.${indexname}`);
    }
    const present = new Set(rows.map((row) => row.indexname));
    for (const index of indexes) {
      if (!present.has(index.name)) await client.query(createIndex(s, collection, index));
    }
  });
}
