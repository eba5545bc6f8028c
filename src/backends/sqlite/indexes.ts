import type { Database } from 'better-sqlite3';
import type { NormalizedCondition } from '../kit/checks.js';
import type { ConditionDialect } from '../kit/condition-sql.js';
import {
  type IndexDialect,
  type IndexSpec,
  type IndexValueType,
  indexPrefix,
  servingIndex,
  sqlString,
} from '../kit/indexes.js';
import { numberKeySql } from './number-order.js';
import { prepareStatement } from './statement-cache.js';

// The documents table (see statements.ts).
const TABLE = 'noclobber_documents';

/**
 * SQLite's indexed expressions, NULL for values of any other type: strings as
 * `json_extract` gives them (binary order is code point order), booleans as 0 and 1, and
 * numbers as the exact text key of their JSON text (`numberKeySql`, a function the
 * backend registers on its connection), which orders and compares them as
 * `compareNumberSql` does, where SQLite's own doubles may not.
 */
export const sqliteIndexes: IndexDialect = {
  expression(path, type, column) {
    // Each segment after its length, so no two paths share a key.
    const key = `${type} ${column} ${path.map((s) => `${s.length}:${s}`).join('')}`;
    const known = expressions.get(key);
    if (known !== undefined) return known;
    const text = expressionOf(path, type, column);
    expressions.set(key, text);
    return text;
  },
  operand(value, type, bind) {
    if (type === 'boolean') return value ? '1' : '0';
    // A number's key is made by the statement from the bound number: bound as a key made
    // here, every number would bind a value derived from it, and a query's statement
    // could not be kept for its shape (see `QueryShapes`).
    return type === 'string' ? bind(value as string) : numberKeySql(bind(value as number));
  },
  column: 'body',
};

// Each indexed expression, written once: queries name them often.
const expressions = new Map<string, string>();

function expressionOf(path: readonly string[], type: IndexValueType, column: string): string {
  const at = sqlString(`$${path.map((s) => `."${s}"`).join('')}`);
  switch (type) {
    case 'string':
      return `(CASE WHEN json_type(${column}, ${at}) = 'text' THEN json_extract(${column}, ${at}) END)`;
    case 'number':
      return `(CASE WHEN json_type(${column}, ${at}) IN ('integer', 'real') THEN ${numberKeySql(`(${column} -> ${at})`)} END)`;
    default:
      return `(CASE json_type(${column}, ${at}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)`;
  }
}

/**
 * ` INDEXED BY <name>` for the declared index that serves `filter` (see `servingIndex`),
 * else nothing. Always usable: every query on a collection says its partial-index predicate.
 */
export function indexedBy(
  indexes: readonly IndexSpec[] | undefined,
  filter: NormalizedCondition | null,
): string {
  const index = indexes && servingIndex(indexes, filter);
  return index ? ` INDEXED BY ${index.name}` : '';
}

/** The partial-index predicate of a collection's indexes; queries say it in the same words. */
export const collectionPredicate = (collection: string): string =>
  `collection = ${sqlString(collection)} AND deleted = 0`;

/**
 * The rows a query reads: the live documents of `collection` in the tenant `tenant` (a
 * placeholder), in the words the collection's partial indexes say.
 */
export const livePredicate = (tenant: string, collection: string): string =>
  `tenant = ${tenant} AND ${collectionPredicate(collection)}`;

/**
 * `dialect`, with each `$or` written so that indexes serve its branches. Where the
 * collection's `indexes` serve every branch (see `servingIndex`), the `$or` is the ids
 * that each branch finds in its index, named (`INDEXED BY`), among the rows `live` says
 * (the statement's own `livePredicate`): `id IN (SELECT id … UNION ALL SELECT id …)`.
 * Left to choose, SQLite reads an OR off indexes only once an ANALYZE has given it
 * statistics, and before that read the whole collection. Otherwise each branch says
 * `live` (which the statement also says outside the filter, so nothing changes in
 * meaning), so that SQLite can serve the OR from indexes once it has statistics.
 */
export function withLiveBranches<D extends ConditionDialect>(
  dialect: D,
  live: string,
  indexes: readonly IndexSpec[] = [],
): D {
  const branched = Object.create(dialect) as D;
  branched.anyOf = (branches, items) => {
    const served = items.map((item) => servingIndex(indexes, item));
    if (indexes.length > 0 && served.every((index) => index !== undefined)) {
      const ids = branches.map(
        (b, i) => `SELECT id FROM ${TABLE} INDEXED BY ${served[i]?.name} WHERE ${live} AND ${b}`,
      );
      return `(id IN (${ids.join(' UNION ALL ')}))`;
    }
    return `(${branches.map((b) => `(${live} AND ${b})`).join(' OR ')})`;
  };
  return branched;
}

// One index over live documents of one collection, per tenant; a non-unique one ends with
// the id, the tie-breaker of every query's order, so it serves a sort and a limit whole.
// Written as sqlite_master keeps it (no IF NOT EXISTS), so the two compare as text.
function createIndex(collection: string, index: IndexSpec): string {
  const keys = index.fields.map((f) => sqliteIndexes.expression(f.path, f.type, 'body'));
  const columns = ['tenant', ...keys, ...(index.unique ? [] : ['id'])];
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${index.name}
    ON ${TABLE} (${columns.join(', ')}) WHERE ${collectionPredicate(collection)}`;
}

/**
 * Makes the indexes of a collection exactly `indexes`: creates the missing ones, drops
 * those noclobber made for it that are no longer declared, and builds again those whose
 * definition differs from what this release writes (a name says the fields, not how their
 * values are keyed: an older release kept a number's key as a long SQL expression), in one
 * `BEGIN IMMEDIATE` transaction, so connections that start at once do it one after the other.
 */
export function ensureIndexes(db: Database, collection: string, indexes: readonly IndexSpec[]) {
  const prefix = indexPrefix(collection);
  db.transaction(() => {
    const rows = prepareStatement(
      db,
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '${TABLE}'
          AND (name LIKE ? ESCAPE '!' OR name LIKE ? ESCAPE '!')`,
    )
      .raw()
      .all(`nc!_ix!_${prefix}%`, `nc!_ux!_${prefix}%`) as [string, string | null][];
    const present = new Map(rows);
    const wanted = new Set(indexes.map((index) => index.name));
    for (const [name] of rows) if (!wanted.has(name)) db.exec(`DROP INDEX ${name}`);
    for (const index of indexes) {
      const create = createIndex(collection, index);
      const stored = present.get(index.name);
      if (stored === create) continue;
      if (stored !== undefined) db.exec(`DROP INDEX ${index.name}`);
      db.exec(create);
    }
  }).immediate();
}
