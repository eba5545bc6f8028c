import type { Bind } from '../kit/condition-sql.js';
import { foundMetaSql } from '../kit/found-row.js';
import { type IndexSpec, servesWhole, withIndexes } from '../kit/indexes.js';
import type { QueryStatement } from '../kit/query-shapes.js';
import {
  compileFilterSql,
  compileQuerySql,
  type NormalizedQuery,
  type QueryDialect,
} from '../kit/query-sql.js';
import { at, postgres } from './condition.js';
import { collectionPredicate, postgresIndexes } from './indexes.js';

const typeOf = (field: string) => `jsonb_typeof(${field})`;

/**
 * PostgreSQL's order of values (see `sortRank`): the kind of value first, then numbers as
 * `numeric` (exact) and strings under `COLLATE "C"` (code point order).
 */
const dialect: QueryDialect = {
  ...postgres,
  rank(path, bind) {
    const field = at(path, bind);
    return `(CASE ${typeOf(field)} WHEN 'null' THEN 1 WHEN 'boolean' THEN CASE WHEN ${field} = 'true'::jsonb THEN 3 ELSE 2 END WHEN 'number' THEN 4 WHEN 'string' THEN 5 WHEN 'array' THEN 6 WHEN 'object' THEN 7 ELSE 0 END)`;
  },
  withinRank(path, bind) {
    const field = at(path, bind);
    return [
      `(CASE WHEN ${typeOf(field)} = 'number' THEN (${field})::numeric END)`,
      `(CASE WHEN ${typeOf(field)} = 'string' THEN ${field} #>> '{}' END) COLLATE "C"`,
    ];
  },
  id: 'c.id COLLATE "C"',
  true: 'true',
};

// Binds values as $1, $2, … after `values`' first entry (the tenant).
function binder(values: unknown[]): Bind {
  return (value) => {
    values.push(value);
    return `$${values.length}`;
  };
}

// The collection is written into the text, so a partial index over it (see indexes.ts)
// is seen to apply; collection names are plain characters (validated), quoted anyway.
const LIVE = (s: string, collection: string) =>
  `FROM ${s}.documents c WHERE c.tenant = $1 AND ${collectionPredicate(collection, 'c.')}`;

// A found row's id and metadata, one column (see `foundMetaSql`).
const META = `${foundMetaSql((name) => `c.${name}`, "E'\\x01'")} AS meta`;

/** The dialect of queries on a collection with `indexes` declared, for `filter`. */
const dialectFor = (indexes: readonly IndexSpec[], filter: NormalizedQuery['filter']) =>
  withIndexes(dialect, postgresIndexes, indexes, filter);

/**
 * The SELECT of one page of a query on the schema `s` (quoted), written so that the
 * collection's declared `indexes` can serve it; its rows are `FoundRow`s.
 */
export function findStatement(
  s: string,
  tenant: string,
  collection: string,
  query: NormalizedQuery,
  indexes: readonly IndexSpec[] = [],
): QueryStatement {
  const values: unknown[] = [tenant];
  const bind = binder(values);
  const { where, orderBy } = compileQuerySql(query, dialectFor(indexes, query.filter), bind);
  const page = (columns: string) => `SELECT ${columns}, ${META}
    ${LIVE(s, collection)} AND ${where} ORDER BY ${orderBy} LIMIT ${limitOf(query, indexes, bind)}`;
  if (query.maxBytes === undefined) return { text: page('c.body::text AS body'), values };
  return {
    text: withinBudget(page('c.body, coalesce(c.size, 0) AS size'), bind(query.maxBytes)),
    values,
  };
}

// A page cut at its byte budget `b` in the database, so that no text past it leaves the
// server: the rows of `page` in its order while the ones before them hold at most `b`
// bytes (the first always), then the first past the budget with a NULL body to say that
// more follow. A row's size is the length of the JSON text it was written with (the
// `size` column), as the changes feed counts it.
const withinBudget = (page: string, b: string) => `SELECT
    CASE WHEN p.n = 1 OR p.upto <= ${b} THEN p.body::text END AS body, p.meta
  FROM (
    SELECT q.*, row_number() OVER w AS n, sum(q.size) OVER w AS upto
    FROM (${page}) q
    WINDOW w AS (ROWS UNBOUNDED PRECEDING)
  ) p
  WHERE p.n <= 2 OR p.upto - p.size <= ${b}
  ORDER BY p.n`;

// A page's LIMIT: written into the text when one index yields the page in order whatever
// the values (`servesWhole`), else bound. A named statement is planned for each call's
// values until PostgreSQL finds its one generic plan no dearer than those. With a bound
// limit it prices the generic plan as reading a tenth of the rows the filter matches,
// which for a range (half a percent of the table, unknown bounds) is far more than a
// page: every call of a range query over a number index was planned again, about 0.2 ms,
// as much as running it (1,000,000 documents). With the limit known, the
// generic plan is that index's scan, as every call's own plan would be. Where the best
// plan depends on the values (how many documents an equality on another field matches),
// the limit stays bound, so that each call is planned for its own values.
function limitOf(query: NormalizedQuery, indexes: readonly IndexSpec[], bind: Bind): string {
  const fixed =
    query.after === undefined &&
    Number.isSafeInteger(query.limit) &&
    servesWhole(indexes, query.filter, query.sort);
  return fixed ? String(query.limit) : bind(query.limit);
}

/** The count of a filter's documents on the schema `s` (quoted). */
export function countStatement(
  s: string,
  tenant: string,
  collection: string,
  filter: NormalizedQuery['filter'],
  indexes: readonly IndexSpec[] = [],
): QueryStatement {
  const values: unknown[] = [tenant];
  const where = compileFilterSql(filter, dialectFor(indexes, filter), binder(values));
  return { text: `SELECT count(*) AS n ${LIVE(s, collection)} AND ${where}`, values };
}
