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

// The expressions an index keeps, in its order.
const keysOf = (index: IndexSpec): string[] =>
  index.fields.map((f) => postgresIndexes.expression(f.path, f.type, 'body'));

// One index over live documents of one collection, per tenant. A non-unique one ends with
// the id, the tie-breaker of every query's order, so it serves a sort and a limit whole.
function createIndex(s: string, collection: string, index: IndexSpec): string {
  const columns = ['tenant', ...keysOf(index), ...(index.unique ? [] : ['(id COLLATE "C")'])];
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${index.name}
    ON ${s}.documents (${columns.join(', ')}) WHERE ${collectionPredicate(collection)}`;
}

/**
 * The name of the statistics object kept for an index: `nc_st_` and the part of the
 * index's name that its fields make (22 bytes, well under PostgreSQL's 63). Statistics
 * are over the whole table, so the indexes of every collection on the same fields, unique
 * or not, share one object: one each made ANALYZE gather the same statistics again for
 * each (about 35 ms per object, whatever the table's size, as it samples 30,000 rows:
 * 7 s with 100 collections declaring two indexes, 40 ms without).
 */
export const statisticsName = (index: string): string => `nc_st_${index.slice(-16)}`;

// Statistics on an index's expressions, over the whole table. The planner reads the
// statistics of an index's expressions only from indexes without a predicate, and these
// are all partial: without this object every test of an indexed field was priced at a
// default 0.5% of the table (about 5,000 rows of a million for a unique code). With one
// expression it gathers that expression's statistics; with several, each one's and also
// how they go together (distinct combinations, dependencies, common combinations), which
// prices a filter on several of the index's fields (each expression once: a statistics
// object refuses one named twice). It samples every collection's rows, and the planner
// takes the collection's test as independent of the field's: a value is priced by its
// share of the whole table times the collection's share (a code unique in its collection:
// one row; a status other collections hold too: as often as the whole table holds it).
// Adding the collection column to the object did not change these estimates on
// PostgreSQL 15, so it keeps to the index's expressions.
const createStatistics = (s: string, index: IndexSpec): string =>
  `CREATE STATISTICS IF NOT EXISTS ${s}.${statisticsName(index.name)}
    ON ${[...new Set(keysOf(index))].join(', ')} FROM ${s}.documents`;

// Statistics on expressions came with PostgreSQL 14; an older server plans as before.
const EXPRESSION_STATISTICS = 140_000;

/**
 * Makes the indexes of a collection exactly `indexes`: creates the missing ones and drops
 * those noclobber made for it that are no longer declared, in one transaction under an
 * advisory lock, so processes that start at once do it one after the other. Each set of
 * indexed fields has a statistics object on its expressions (PostgreSQL 14 and later, see
 * `createStatistics` and `statisticsName`), made with the first index on those fields and
 * dropped with the last, of any collection.
 *
 * A new statistics object is empty until the table's next ANALYZE, which this does not
 * run: it samples the whole table (every collection, every column) and would hold every
 * other starting process behind the lock while it does; autovacuum's ANALYZE fills it
 * along with the columns' statistics, or the application runs one after declaring an
 * index on a collection that already holds many documents.
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
    await reconcile(
      client,
      rows.map((row) => row.indexname),
      new Map(indexes.map((index) => [index.name, () => createIndex(s, collection, index)])),
      (name) => `DROP INDEX IF EXISTS ${s}.${name}`,
    );
    await ensureStatistics(client, schema, s, indexes);
  });
}

// The statistics objects of the schema's indexes, once `collection`'s are made: each of
// `indexes`' made when missing, and those no index of the schema has any longer dropped.
async function ensureStatistics(
  client: pg.PoolClient,
  schema: string,
  s: string,
  indexes: readonly IndexSpec[],
): Promise<void> {
  const { rows } = await client.query<{ version: number; names: string[]; used: string[] }>(
    `SELECT current_setting('server_version_num')::int AS version,
       ARRAY(SELECT stxname::text FROM pg_statistic_ext
         WHERE stxrelid = $1::regclass AND stxname LIKE $2) AS names,
       ARRAY(SELECT indexname::text FROM pg_indexes WHERE schemaname = $3
         AND tablename = 'documents' AND (indexname LIKE $4 OR indexname LIKE $5)) AS used`,
    [`${s}.documents`, 'nc\\_st\\_%', schema, 'nc\\_ix\\_%', 'nc\\_ux\\_%'],
  );
  const [{ version, names, used } = { version: 0, names: [], used: [] }] = rows;
  if (version < EXPRESSION_STATISTICS) return;
  // Every statistics object an index of the schema uses is kept; those of `indexes` are
  // made when missing (another collection's are made by its own declaration).
  const makers = new Map(
    indexes.map((index) => [statisticsName(index.name), () => createStatistics(s, index)]),
  );
  const wanted = new Map(used.map(statisticsName).map((name) => [name, makers.get(name)]));
  await reconcile(client, names, wanted, (name) => `DROP STATISTICS IF EXISTS ${s}.${name}`);
}

// Drops the objects of `present` that `wanted` does not name (`drop` writes the
// statement), then makes those it names that are not present, by their CREATE statement
// where `wanted` gives one.
async function reconcile(
  client: pg.PoolClient,
  present: readonly string[],
  wanted: ReadonlyMap<string, (() => string) | undefined>,
  drop: (name: string) => string,
): Promise<void> {
  for (const name of present) {
    if (!wanted.has(name)) await client.query(drop(name));
  }
  const made = new Set(present);
  for (const [name, create] of wanted) {
    if (create && !made.has(name)) await client.query(create());
  }
}
