import type { Database } from 'better-sqlite3';
import type { NormalizedCondition } from '../kit/checks.js';
import type { ConditionDialect } from '../kit/condition-sql.js';
import {
  type IndexDialect,
  type IndexSpec,
  type IndexValueType,
  indexInOrder,
  indexPrefix,
  servingIndex,
  sqlString,
} from '../kit/indexes.js';
import type { SortKey } from '../kit/query-sql.js';
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
 * How a statement reads the rows of a filter: `branches`, when it is written as the ids its
 * branches read (see `servedBranches`); else the declared `index` that serves it (see
 * `servingIndex`), if any. Decided once per statement, so that the table it names (see
 * `indexedBy`) and the filter it writes (see `idsOfBranches`) agree.
 */
export interface ReadPlan {
  readonly branches?: ServedBranches;
  readonly index?: IndexSpec;
}

/** The `ReadPlan` of `filter`: for a page in the order of `sort` then the id, or without it for every match. */
export function readPlan(
  indexes: readonly IndexSpec[] | undefined,
  filter: NormalizedCondition | null,
  sort?: readonly SortKey[],
): ReadPlan {
  const branches = servedBranches(indexes, filter, sort);
  if (branches) return { branches };
  return { index: indexes && servingIndex(indexes, filter) };
}

/**
 * ` INDEXED BY <name>` for the index of `plan`, else nothing. Always usable: every query
 * on a collection says its partial-index predicate. For a filter written as the ids its
 * branches read, ` NOT INDEXED`: the table's own key finds them.
 */
export function indexedBy(plan: ReadPlan): string {
  if (plan.branches) return ' NOT INDEXED';
  return plan.index ? ` INDEXED BY ${plan.index.name}` : '';
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
 * `dialect`, with each branch of an `$or` saying `live` (the statement's own
 * `livePredicate`, which it also says outside the filter, so nothing changes in meaning).
 * SQLite reads an OR off indexes only when each branch alone is served by one, its
 * leading tenant and its partial-index predicate included, and only once an ANALYZE has
 * given it statistics; said only outside the OR, a filter such as
 * `{ $or: [{ code: 'a' }, { owner: 'b' }] }` read the whole collection even then. A
 * filter that is such an `$or` is better written with `idsOfBranches`.
 */
export function withLiveBranches<D extends ConditionDialect>(dialect: D, live: string): D {
  const branched = Object.create(dialect) as D;
  branched.anyOf = (branches) => `(${branches.map((b) => `(${live} AND ${b})`).join(' OR ')})`;
  return branched;
}

/** The branches of an `$or` and, for each, the declared index that serves it. */
export interface ServedBranches {
  readonly items: readonly NormalizedCondition[];
  readonly indexes: readonly IndexSpec[];
}

// The branches of a filter that is an `$or`, or tests joined with one `$or` (each branch
// then with the other tests: `a AND (b OR c)` is `(a AND b) OR (a AND c)`).
function branchesOf(
  filter: NormalizedCondition | null,
): readonly NormalizedCondition[] | undefined {
  if (filter?.op === 'or') return filter.items;
  if (filter?.op !== 'and') return undefined;
  const [or, ...more] = filter.items.filter((item) => item.op === 'or');
  if (or?.op !== 'or' || more.length > 0) return undefined;
  const rest = filter.items.filter((item) => item !== or);
  return or.items.map((item): NormalizedCondition => ({ op: 'and', items: [...rest, item] }));
}

/**
 * When `filter` is an `$or` (or tests joined with one) and the collection's `indexes`
 * serve each of its branches, its branches with their indexes; else `undefined`. For all
 * the documents it matches (a count), an index serves a branch that it narrows (see
 * `servingIndex`); for a page in the order of `sort` then the id, one that yields the
 * branch's documents in that order (see `indexInOrder`), so that each branch reads no
 * further than the page: a branch read whole and sorted would cost every page as much as
 * all its documents, where reading the table in order stops at the page's end.
 */
function servedBranches(
  indexes: readonly IndexSpec[] | undefined,
  filter: NormalizedCondition | null,
  sort?: readonly SortKey[],
): ServedBranches | undefined {
  const items = indexes?.length ? branchesOf(filter) : undefined;
  if (!indexes || !items) return undefined;
  const served: IndexSpec[] = [];
  for (const item of items) {
    const index = sort ? indexInOrder(indexes, item, sort) : servingIndex(indexes, item);
    if (index === undefined) return undefined;
    served.push(index);
  }
  return { items, indexes: served };
}

/**
 * A filter that is an `$or` of `served` branches, as the ids each branch reads in its own
 * index (named, so SQLite uses it without statistics), among the rows `live` says:
 * `id IN (SELECT id … UNION ALL SELECT id …)`. `compile` writes a branch's test and what
 * ends its SELECT: for a page, its cursor test, order and limit, so that the branch reads
 * at most a page past the cursor rather than every document it matches (a page's first
 * documents are among the first of each branch).
 */
export function idsOfBranches(
  served: ServedBranches,
  compile: (branch: NormalizedCondition) => string,
  live: string,
): string {
  const selects = served.items.map(
    (branch, i) =>
      `SELECT id FROM (SELECT id FROM ${TABLE} INDEXED BY ${served.indexes[i]?.name} WHERE ${live} AND ${compile(branch)})`,
  );
  return `(id IN (${selects.join(' UNION ALL ')}))`;
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
