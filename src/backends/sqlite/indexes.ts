import type { Database } from 'better-sqlite3';
import type { NormalizedCondition } from '../kit/checks.js';
import {
  type IndexDialect,
  type IndexSpec,
  type IndexValueType,
  indexPrefix,
  servingIndex,
  sqlString,
} from '../kit/indexes.js';
import { numberKey, numberKeyExpression } from './number-order.js';

// The documents table (see statements.ts).
const TABLE = 'noclobber_documents';

/**
 * SQLite's indexed expressions, NULL for values of any other type: strings as
 * `json_extract` gives them (binary order is code point order), booleans as 0 and 1, and
 * numbers as the exact text key of their JSON text (`numberKeyExpression`), which orders
 * and compares them as `compareNumberSql` does, where SQLite's own doubles may not.
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
    return type === 'string' ? bind(value as string) : bind(numberKey(value as number));
  },
  column: 'body',
};

// Each indexed expression, written once: a number's is long, and queries name it often.
const expressions = new Map<string, string>();

function expressionOf(path: readonly string[], type: IndexValueType, column: string): string {
  const at = sqlString(`$${path.map((s) => `."${s}"`).join('')}`);
  switch (type) {
    case 'string':
      return `(CASE WHEN json_type(${column}, ${at}) = 'text' THEN json_extract(${column}, ${at}) END)`;
    case 'number':
      return `(CASE WHEN json_type(${column}, ${at}) IN ('integer', 'real') THEN ${numberKeyExpression(`(${column} -> ${at})`)} END)`;
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

// One index over live documents of one collection, per tenant; a non-unique one ends with
// the id, the tie-breaker of every query's order, so it serves a sort and a limit whole.
function createIndex(collection: string, index: IndexSpec): string {
  const keys = index.fields.map((f) => sqliteIndexes.expression(f.path, f.type, 'body'));
  const columns = ['tenant', ...keys, ...(index.unique ? [] : ['id'])];
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${index.name}
    ON ${TABLE} (${columns.join(', ')}) WHERE ${collectionPredicate(collection)}`;
}

/**
 * Makes the indexes of a collection exactly `indexes`: creates the missing ones and drops
 * those noclobber made for it that are no longer declared, in one `BEGIN IMMEDIATE`
 * transaction, so connections that start at once do it one after the other.
 */
export function ensureIndexes(db: Database, collection: string, indexes: readonly IndexSpec[]) {
  const prefix = indexPrefix(collection);
  db.transaction(() => {
    const present = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '${TABLE}'
          AND (name LIKE ? ESCAPE '!' OR name LIKE ? ESCAPE '!')`,
      )
      .pluck()
      .all(`nc!_ix!_${prefix}%`, `nc!_ux!_${prefix}%`) as string[];
    const wanted = new Set(indexes.map((index) => index.name));
    for (const name of present) if (!wanted.has(name)) db.exec(`DROP INDEX IF EXISTS ${name}`);
    for (const index of indexes) {
      if (!present.includes(index.name)) db.exec(createIndex(collection, index));
    }
  }).immediate();
}
