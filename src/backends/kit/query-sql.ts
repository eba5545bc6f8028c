/**
 * What a query means, as a backend compiles it: the query's validated form, the sort
 * order's reference (`sortRank`, `compareSortValues`) and the SQL of a page's WHERE and
 * ORDER BY, given a dialect. The query language itself lives in src/query.
 */
import type { CursorPosition } from '../../query/cursor.js';
import type { NormalizedQuery } from '../../query/query.js';
import { type SortKey, sortRank } from '../../query/sort.js';
import type { NormalizedCondition } from './checks.js';
import { type Bind, type ConditionDialect, compileConditionSql } from './condition-sql.js';

export type { CursorPosition } from '../../query/cursor.js';
export { evaluateQuery, type QueryCandidate } from '../../query/evaluate.js';
export type { NormalizedQuery } from '../../query/query.js';
export { compareBySort, compareSortValues, type SortKey, sortRank } from '../../query/sort.js';

/**
 * A condition dialect that can also order documents: by the kind of value a path holds
 * (`sortRank`), then within a kind, with the meaning `compareSortValues` gives it.
 */
export interface QueryDialect extends ConditionDialect {
  /** An integer expression, `sortRank` of the value the path addresses (0 when missing). */
  rank(path: string[], bind: Bind): string;
  /**
   * Expressions that order values of one rank, ascending, as `compareSortValues` does:
   * numbers by value (exactly), strings by code point; NULL (or any constant) for others.
   */
  withinRank(path: string[], bind: Bind): string[];
  /** The id column, as it orders by code point. */
  readonly id: string;
  /** A true boolean expression. */
  readonly true: string;
  /**
   * The single expression that orders the documents a query matches by `path`, when an
   * index holds it and the filter makes every one of them the indexed type (so the kind of
   * value, `sortRank`, is the same for all); `undefined` otherwise (see `withIndexes`).
   */
  sortExpression?(path: readonly string[]): string | undefined;
  /**
   * A test that the documents after a cursor whose first sort value is `value` meet, in
   * the words of the index that orders them by `path` (so that a page after it starts
   * where the cursor is in that index, not at the index's start), when `sortExpression`
   * gives one and `value` is of its type; `undefined` otherwise.
   */
  seekPast?(
    path: readonly string[],
    value: unknown,
    descending: boolean,
    bind: Bind,
  ): string | undefined;
}

/** The parts of a page's statement: a boolean WHERE expression and an ORDER BY list. */
export interface QuerySql {
  readonly where: string;
  readonly orderBy: string;
}

/**
 * Compiles a query's filter, cursor and order to SQL. Values only ever become bound
 * parameters. The cursor's test is written with the dialect's own typed comparisons, so
 * it agrees exactly with the order (`withinRank`) it continues.
 */
export function compileQuerySql(
  query: Pick<NormalizedQuery, 'filter' | 'sort' | 'after'>,
  dialect: QueryDialect,
  bind: Bind,
): QuerySql {
  const filter = query.filter ? compileConditionSql(query.filter, dialect, bind) : dialect.true;
  // The seek comes first: of two bounds on one expression, SQLite reads the index from the
  // first it is given, and the filter's own bound is at or before the cursor's.
  const where = query.after
    ? `(${[
        ...seekSql(query.sort, query.after, dialect, bind),
        filter,
        afterSql(query.sort, query.after, dialect, bind),
      ].join(' AND ')})`
    : filter;
  const keys = query.sort.flatMap((key) => {
    const direction = key.descending ? ' DESC' : '';
    const path = [...key.path];
    const indexed = dialect.sortExpression?.(path);
    if (indexed !== undefined) return [indexed + direction];
    return [dialect.rank(path, bind), ...dialect.withinRank(path, bind)].map((e) => e + direction);
  });
  return { where, orderBy: [...keys, dialect.id].join(', ') };
}

/** Compiles a filter alone (`null`: every document) to a boolean SQL expression. */
export function compileFilterSql(
  filter: NormalizedCondition | null,
  dialect: QueryDialect,
  bind: Bind,
): string {
  return filter ? compileConditionSql(filter, dialect, bind) : dialect.true;
}

// The first sort key's bound past the cursor, where an index orders by it (see `seekPast`):
// the cursor's test alone is an OR that no index reads from a point, so without it each
// page would read the index from its start, every page further in costing more.
function seekSql(
  sort: readonly SortKey[],
  after: CursorPosition,
  dialect: QueryDialect,
  bind: Bind,
): string[] {
  const [first] = sort;
  const seek = first && dialect.seekPast?.(first.path, after.values[0], first.descending, bind);
  return seek ? [seek] : [];
}

// Rows strictly after the cursor in the query's order: some key past the cursor's value
// with every key before it equal, or every key equal and the id past the cursor's.
function afterSql(
  sort: readonly SortKey[],
  after: CursorPosition,
  dialect: QueryDialect,
  bind: Bind,
): string {
  const equal: string[] = [];
  const branches: string[] = [];
  sort.forEach((key, i) => {
    const path = [...key.path];
    const value = after.values[i];
    const rank = sortRank(value);
    const rankSql = dialect.rank(path, bind);
    const past = key.descending ? '<' : '>';
    let within: string = dialect.false;
    if (typeof value === 'number' || typeof value === 'string') {
      within = dialect.compare(path, past, value, bind);
    }
    const beyond = `(${rankSql} ${past} ${bind(rank)} OR (${rankSql} = ${bind(rank)} AND ${within}))`;
    branches.push(conjunction([...equal, beyond]));
    const same =
      typeof value === 'number' || typeof value === 'string'
        ? dialect.equals(path, value, bind)
        : `(${rankSql} = ${bind(rank)})`;
    equal.push(same);
  });
  branches.push(conjunction([...equal, `${dialect.id} > ${bind(after.id)}`]));
  return `(${branches.join(' OR ')})`;
}

const conjunction = (items: string[]) =>
  (items.length === 1 ? items[0] : `(${items.join(' AND ')})`) as string;
