import type { NormalizedCondition } from '../kit/checks.js';
import { type Bind, compileConditionSql } from '../kit/condition-sql.js';
import { foundMetaSql } from '../kit/found-row.js';
import { type IndexSpec, withIndexes } from '../kit/indexes.js';
import type { QueryStatement } from '../kit/query-shapes.js';
import { compileQuerySql, type NormalizedQuery, type QueryDialect } from '../kit/query-sql.js';
import { field, sqlite } from './condition.js';
import {
  idsOfBranches,
  indexedBy,
  livePredicate,
  type ReadPlan,
  readPlan,
  withLiveBranches,
} from './indexes.js';
import { limitOf } from './limit.js';
import { numberKeySql } from './number-order.js';
import { sharedStrings } from './shared-strings.js';
import { expandTokens, tokenIndexes } from './statement-text.js';

/**
 * SQLite's order of values (see `sortRank`): the kind of value first, then numbers by an
 * exact text key of their JSON text (`numberKeySql`; SQLite's own doubles can be a few
 * units in the last place off) and strings by binary order, which is code point order.
 */
const dialect: QueryDialect = {
  ...sqlite,
  rank(path, bind) {
    return `(CASE ${field(path, bind).type} WHEN 'null' THEN 1 WHEN 'false' THEN 2 WHEN 'true' THEN 3 WHEN 'integer' THEN 4 WHEN 'real' THEN 4 WHEN 'text' THEN 5 WHEN 'array' THEN 6 WHEN 'object' THEN 7 ELSE 0 END)`;
  },
  withinRank(path, bind) {
    const f = field(path, bind);
    return [
      `(CASE WHEN ${f.type} IN ('integer', 'real') THEN ${numberKeySql(f.text)} END)`,
      `(CASE WHEN ${f.type} = 'text' THEN ${f.value} END)`,
    ];
  },
  id: 'id',
  true: '1',
};

// Each value is read through a scalar subquery, `(SELECT @q1)`, not named bare: with
// statistics (after an ANALYZE) SQLite reads a bare parameter compared with an index
// column while planning, and then plans the statement again whenever a value is bound to
// it, on every call. The subquery is run once per call, and the index serves the test as
// it serves a parameter. Value i of a statement is named `q<i>`, the tenant `q0`.
const parameter = (i: number) => `(SELECT @q${i})`;

function binder(values: unknown[]): Bind {
  return sharedStrings((value) => {
    values.push(value);
    return parameter(values.length - 1);
  });
}

const names: string[] = [];

/** A statement's values as the named parameters its text reads (see `parameter`). */
export function namedParams(values: readonly unknown[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (let i = 0; i < values.length; i++) {
    names[i] ??= `q${i}`;
    params[names[i] as string] = values[i];
  }
  return params;
}

// The documents table (see statements.ts).
const TABLE = 'noclobber_documents';

// The collection is written into the text, so a partial index over it (see indexes.ts)
// is seen to apply; collection names are plain characters (validated), quoted anyway.
// Without statistics (before an ANALYZE) SQLite prefers the table's own key, tenant and
// collection, to any index: a declared index that the filter constrains is named.
const LIVE = (collection: string, plan: ReadPlan) =>
  `FROM ${TABLE}${indexedBy(plan)} WHERE ${livePredicate(parameter(0), collection)}`;

/**
 * The dialect of queries on `collection` with `indexes` declared, for `filter`: index
 * expressions as tokens, which `expandTokens` replaces (see statement-text.ts), and each
 * `$or` read off the indexes that serve its branches, among the rows `LIVE` reads (see
 * `withLiveBranches`).
 */
const dialectFor = (
  collection: string,
  indexes: readonly IndexSpec[],
  filter: NormalizedQuery['filter'],
) =>
  withLiveBranches(
    withIndexes(dialect, tokenIndexes, indexes, filter),
    livePredicate(parameter(0), collection),
  );

/**
 * The FROM and WHERE of a query's filter and cursor, and its order, both from one
 * `ReadPlan`: a filter that is an `$or` whose every branch an index serves is written as
 * the ids each branch reads in its index; with `page` (binding the limit of a page in the
 * query's order), each branch reads only as far as the page goes past the cursor (see
 * `idsOfBranches`), without it (a count) all of its matches.
 */
function whereOf(
  collection: string,
  indexes: readonly IndexSpec[],
  query: Pick<NormalizedQuery, 'filter' | 'sort' | 'after'>,
  bind: Bind,
  page?: () => string,
): { where: string; orderBy: string; from: string } {
  const dialect = dialectFor(collection, indexes, query.filter);
  const plan = readPlan(indexes, query.filter, page === undefined ? undefined : query.sort);
  const from = LIVE(collection, plan);
  const served = plan.branches;
  if (!served) return { ...compileQuerySql(query, dialect, bind), from };
  const { where: after, orderBy } = compileQuerySql({ ...query, filter: null }, dialect, bind);
  // A branch's page in the words of its own index, which then yields it in order and
  // stops at its limit: in the whole filter's words, SQLite sorted all its matches.
  const pageOf = (branch: NormalizedCondition) => {
    if (page === undefined) return '';
    const own = dialectFor(collection, indexes, branch);
    const sql = compileQuerySql({ ...query, filter: null }, own, bind);
    return ` AND ${sql.where} ORDER BY ${sql.orderBy} LIMIT ${page()}`;
  };
  const live = livePredicate(parameter(0), collection);
  const compile = (item: NormalizedCondition) =>
    compileConditionSql(item, dialect, bind) + pageOf(item);
  return { where: `(${idsOfBranches(served, compile, live)} AND ${after})`, orderBy, from };
}

// A found row's id and metadata, one column (see `foundMetaSql`).
const META = foundMetaSql((name) => name, 'char(1)');

/**
 * The SELECT of one page of a query, written so that the collection's `indexes` can serve
 * it; its rows are `FoundRow`s.
 */
export function findStatement(
  tenant: string,
  collection: string,
  query: NormalizedQuery,
  indexes: readonly IndexSpec[] = [],
): QueryStatement {
  const values: unknown[] = [tenant];
  const bind = binder(values);
  // The limit is read through `(SELECT ?)`, as values are: bound bare SQLite would plan
  // the statement again on every call, and written into the text each limit would be a
  // statement of its own, so a caller walking through the limits would have every query
  // prepared again and push everyone's statements out of the cache.
  let limit: string | undefined;
  const page = () => {
    limit ??= bind(limitOf(query.limit));
    return limit;
  };
  const { where, orderBy, from } = whereOf(collection, indexes, query, bind, page);
  const text = `SELECT body, ${META}
    ${from} AND ${where} ORDER BY ${orderBy} LIMIT ${page()}`;
  return { text: expandTokens(text), values };
}

/** The count of a filter's documents. */
export function countStatement(
  tenant: string,
  collection: string,
  filter: NormalizedQuery['filter'],
  indexes: readonly IndexSpec[] = [],
): QueryStatement {
  const values: unknown[] = [tenant];
  const query = { filter, sort: [], after: undefined };
  const { where, from } = whereOf(collection, indexes, query, binder(values));
  const text = `SELECT count(*) AS n ${from} AND ${where}`;
  return { text: expandTokens(text), values };
}
