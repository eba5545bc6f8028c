/**
 * Declared indexes as a query compiler uses them: a test of an indexed path against a value
 * of the indexed type is written as a comparison of exactly the expression the index keeps,
 * so the database can use the index; every other test keeps its general form. Both forms
 * mean the same (the indexed expression is NULL for values of any other type, and the
 * tests below are false there), so a declared index changes plans, never results.
 */
import { UniqueConstraintError } from '../../core/errors.js';
import {
  type IndexSpec,
  type IndexSpecField,
  type IndexValueType,
  MAX_INDEX_FIELDS,
} from '../../query/indexes.js';
import type { NormalizedCondition, Scalar } from './checks.js';
import type { Bind, ConditionDialect } from './condition-sql.js';
import type { QueryDialect, SortKey } from './query-sql.js';

export type { IndexSpec, IndexSpecField, IndexValueType } from '../../query/indexes.js';
export { indexPrefix } from '../../query/indexes.js';

/** How one database writes the expressions its indexes keep. */
export interface IndexDialect {
  /**
   * The value a path holds when it is of `type`, NULL otherwise, over the document column
   * `column`, in a form the database orders as `compareSortValues` orders that type.
   * Paths are written into the text (quoted), never bound: a planner only matches an
   * index expression it can see whole.
   */
  expression(path: readonly string[], type: IndexValueType, column: string): string;
  /** A value of `type` as an operand compared with `expression`. */
  operand(value: string | number | boolean, type: IndexValueType, bind: Bind): string;
  /** The document column as queries name it. */
  readonly column: string;
}

/** The JSON type of a scalar an index can hold, or `undefined` (null). */
export function valueType(value: Scalar): IndexValueType | undefined {
  if (value === null) return undefined;
  return typeof value as IndexValueType;
}

const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((segment, i) => segment === b[i]);

/** Whether some declared index holds `path` with values of `type`. */
export function isIndexed(
  indexes: readonly IndexSpec[],
  path: readonly string[],
  type: IndexValueType,
): boolean {
  return indexes.some((index) =>
    index.fields.some((f) => f.type === type && samePath(f.path, path)),
  );
}

// The tests a filter makes of every document it matches: its top-level conjuncts.
function conjuncts(filter: NormalizedCondition | null): NormalizedCondition[] {
  if (filter === null) return [];
  return filter.op === 'and' ? filter.items.flatMap(conjuncts) : [filter];
}

// The values a test holds only when the field holds one of them (or one of their type).
function valuesOf(test: NormalizedCondition): readonly Scalar[] {
  switch (test.op) {
    case 'eq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return [test.value];
    case 'in':
      return test.values;
    default:
      return [];
  }
}

/**
 * The type every document `filter` matches holds at `path`, when a top-level test says
 * so (`{ total: { $gt: 10 } }`: a number), else `undefined`.
 */
export function impliedType(
  filter: NormalizedCondition | null,
  path: readonly string[],
): IndexValueType | undefined {
  for (const test of conjuncts(filter)) {
    if (!('path' in test) || !samePath(test.path, path)) continue;
    const types = new Set(valuesOf(test).map(valueType));
    const [type] = types;
    if (types.size === 1 && type !== undefined) return type;
  }
  return undefined;
}

// The tests of `withIndexes`, made once per dialect, index dialect and list of indexes (a
// backend keeps each collection's list as one array): made again for every query, they
// were a measurable share of a short query's time.
const indexedTests = new WeakMap<
  readonly IndexSpec[],
  Map<ConditionDialect, Map<IndexDialect, ConditionDialect>>
>();

function testsWithIndexes<D extends ConditionDialect>(
  dialect: D,
  index: IndexDialect,
  indexes: readonly IndexSpec[],
): D {
  const byDialect = indexedTests.get(indexes) ?? new Map();
  indexedTests.set(indexes, byDialect);
  const byIndex = byDialect.get(dialect) ?? new Map<IndexDialect, ConditionDialect>();
  byDialect.set(dialect, byIndex);
  const known = byIndex.get(index);
  if (known) return known as D;
  // True or false, never NULL: the expression is NULL on values of another type.
  const test = (path: string[], type: IndexValueType, operator: string, operand: string) => {
    const e = index.expression(path, type, index.column);
    return `(${e} ${operator} ${operand} AND ${e} IS NOT NULL)`;
  };
  const tests: D = {
    ...dialect,
    equals(path, value, bind) {
      const type = valueType(value);
      if (type === undefined || !isIndexed(indexes, path, type)) {
        return dialect.equals(path, value, bind);
      }
      return test(path, type, '=', index.operand(value as string | number | boolean, type, bind));
    },
    equalsAny(path, values, bind) {
      const types = new Set(values.map(valueType));
      const [type] = types;
      if (types.size !== 1 || type === undefined || !isIndexed(indexes, path, type)) {
        return dialect.equalsAny?.(path, values, bind);
      }
      const operands = values.map((v) => index.operand(v as string | number | boolean, type, bind));
      return test(path, type, 'IN', `(${operands.join(', ')})`);
    },
    compare(path, operator, value, bind) {
      const type = typeof value as 'string' | 'number';
      if (!isIndexed(indexes, path, type)) return dialect.compare(path, operator, value, bind);
      return test(path, type, operator, index.operand(value, type, bind));
    },
  };
  byIndex.set(index, tests);
  return tests;
}

/**
 * `dialect` with the tests and orders of indexed paths written as their indexes keep
 * them (see the module comment). `filter` is the query's, for `sortExpression`.
 */
export function withIndexes<D extends ConditionDialect>(
  dialect: D,
  index: IndexDialect,
  indexes: readonly IndexSpec[],
  filter: NormalizedCondition | null,
): D & Pick<QueryDialect, 'sortExpression' | 'seekPast'> {
  if (indexes.length === 0) return dialect;
  // The cached tests as prototype: only the filter's own part is made per query.
  const indexed: D & Pick<QueryDialect, 'sortExpression' | 'seekPast'> = Object.create(
    testsWithIndexes(dialect, index, indexes),
  );
  indexed.sortExpression = (path) => {
    const type = impliedType(filter, path);
    if (type === undefined || !isIndexed(indexes, path, type)) return undefined;
    return index.expression(path, type, index.column);
  };
  indexed.seekPast = (path, value, descending, bind) => {
    // Every match holds the indexed type here, so one of it at the cursor bounds them all;
    // a value of another type (a cursor no page of this query gave) bounds nothing.
    const scalar = typeof value === 'string' || typeof value === 'number' ? value : undefined;
    if (scalar === undefined || valueType(scalar) !== impliedType(filter, path)) return undefined;
    if (!indexed.sortExpression?.(path)) return undefined;
    return indexed.compare([...path], descending ? '<=' : '>=', scalar, bind);
  };
  return indexed;
}

const RANGES: readonly string[] = ['gt', 'gte', 'lt', 'lte'];

// Whether `test` compares `field` with a value of its indexed type by one of `ops`.
const tests = (test: NormalizedCondition, field: IndexSpecField, ops: readonly string[]) =>
  'path' in test &&
  ops.includes(test.op) &&
  samePath(test.path, field.path) &&
  valuesOf(test).every((value) => valueType(value) === field.type);

// Whether `index` alone yields the documents `tests` match in the order of `sort` then
// the id: equality on its leading fields, then ranges on at most the next one; every test
// of one of these kinds; the sort (ascending) on those fields, the ranged one last of them,
// with no index field left between it and the id the index ends with.
function yieldsInOrder(
  index: IndexSpec,
  conjuncts: readonly NormalizedCondition[],
  sort: readonly SortKey[],
): boolean {
  const { fields } = index;
  let equal = 0;
  const isEqual = (field: IndexSpecField) => conjuncts.some((t) => tests(t, field, ['eq']));
  while (equal < fields.length && isEqual(fields[equal] as IndexSpecField)) equal++;
  // A unique index has no id after its fields: one document at most, in any order.
  if (index.unique) return equal === fields.length && conjuncts.every((t) => t.op === 'eq');
  // The next field, when some test ranges over it (which also makes its sort the index's).
  const next = fields[equal];
  const ranged = next && conjuncts.some((t) => tests(t, next, RANGES)) ? next : undefined;
  const served = (t: NormalizedCondition) =>
    fields.slice(0, equal).some((f) => tests(t, f, ['eq'])) ||
    (ranged !== undefined && tests(t, ranged, RANGES));
  if (!conjuncts.every(served)) return false;
  // A key on a field of one value orders nothing.
  const constant = (key: SortKey) => fields.slice(0, equal).some((f) => samePath(f.path, key.path));
  const rest = sort.filter((key) => !constant(key));
  if (ranged === undefined) return equal === fields.length && rest.length === 0;
  // The ranged field must be the index's last (the id comes next) and the sort's last key.
  const [last, ...more] = rest;
  return (
    equal === fields.length - 1 &&
    more.length === 0 &&
    last !== undefined &&
    !last.descending &&
    samePath(last.path, ranged.path)
  );
}

/**
 * Whether a query's page is read off one declared index in its order whatever its values:
 * its filter's top-level tests are all equalities on the index's leading fields (with
 * values of their types) and ranges on the next, and its sort is the index's order after
 * them (see `yieldsInOrder`), or it has neither filter nor sort (the table's key, by id).
 * The best plan for such a query does not depend on its values, so a database that keeps
 * one plan for a statement can keep it for this one (see the PostgreSQL `findStatement`).
 */
export function servesWhole(
  indexes: readonly IndexSpec[],
  filter: NormalizedCondition | null,
  sort: readonly SortKey[],
): boolean {
  if (conjuncts(filter).length === 0 && sort.length === 0) return true;
  return indexInOrder(indexes, filter, sort) !== undefined;
}

/**
 * The declared index that yields the documents `filter` matches in the order of `sort`
 * then the id, whatever the values (see `servesWhole`), if one does.
 */
export function indexInOrder(
  indexes: readonly IndexSpec[],
  filter: NormalizedCondition | null,
  sort: readonly SortKey[],
): IndexSpec | undefined {
  const all = conjuncts(filter);
  if (all.length === 0 || !all.every((test) => test.op === 'eq' || RANGES.includes(test.op))) {
    return undefined;
  }
  return indexes.find((index) => yieldsInOrder(index, all, sort));
}

/** SQL text of a string literal: single quotes doubled. */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * Thrown by a backend's write when the database refused it under a unique index noclobber
 * made (`index`, its name): nothing was written. The store names the field and holder.
 */
export class UniqueViolation extends Error {
  readonly code = 'UNIQUE_VIOLATION';
  readonly index: string;

  constructor(index: string, options?: ErrorOptions) {
    super(`A unique index (${index}) refused the write`, options);
    this.name = 'UniqueViolation';
    this.index = index;
  }
}

/** The name of a unique index noclobber made, found in a database's error text. */
export function uniqueIndexIn(text: unknown): string | undefined {
  return typeof text === 'string' ? /nc_ux_[0-9a-f]{10}_[0-9a-f]{16}/.exec(text)?.[0] : undefined;
}

/**
 * The error for a unique index that could not be made because live documents of the
 * collection already share its values (`error` names the index), else `undefined`.
 */
export function duplicatesError(
  error: unknown,
  collection: string,
  indexes: readonly IndexSpec[],
): UniqueConstraintError | undefined {
  const name = uniqueIndexIn((error as Error)?.message);
  const index = indexes.find((i) => i.name === name);
  if (!index) return undefined;
  const fields = index.fields.map((f) => f.path.join('.'));
  return new UniqueConstraintError({ collection, fields, id: null, holder: null, notMade: true });
}

/**
 * The declared index whose leading fields a filter's top-level tests constrain most
 * (equality or `$in` on each field in turn, then a range), or `undefined` when none
 * constrains an index's first field; before all, a unique index whose every field is so
 * constrained by equality or `$in`, which holds at most one document per value. A backend
 * whose planner needs statistics to prefer an index over the table's key (SQLite before
 * its first ANALYZE) names it in the query.
 */
export function servingIndex(
  indexes: readonly IndexSpec[],
  filter: NormalizedCondition | null,
): IndexSpec | undefined {
  const tests = conjuncts(filter);
  const constrains = (field: IndexSpecField, ops: readonly string[]) =>
    tests.some((test) => {
      if (!('path' in test) || !ops.includes(test.op) || !samePath(test.path, field.path)) {
        return false;
      }
      const values = valuesOf(test);
      return values.length > 0 && values.every((v) => valueType(v) === field.type);
    });
  let best: IndexSpec | undefined;
  let bestScore = 0;
  for (const index of indexes) {
    let score = 0;
    for (const field of index.fields) {
      if (constrains(field, ['eq', 'in'])) {
        score += 2;
        continue;
      }
      if (constrains(field, ['gt', 'gte', 'lt', 'lte'])) score += 1;
      break;
    }
    // Every field matched by equality: no other index can narrow the rows further.
    if (index.unique && score === 2 * index.fields.length) score += 2 * MAX_INDEX_FIELDS;
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  }
  return best;
}
