import { parsePath } from '../concurrency/condition.js';
import { MISSING, resolvePath } from '../concurrency/condition-path.js';
import { compareCodePoints } from '../concurrency/evaluate-condition.js';
import { InvalidArgumentError } from '../core/errors.js';
import { isPlainObject, safeDescribe } from '../core/json.js';
import type { FieldPath } from './filter.js';

/** `'asc'` (default) or `'desc'`. */
export type SortOrder = 'asc' | 'desc';

/** One sort key: a path (`'-total'` for descending) or `{ field, order }`. */
export type SortField<T> =
  | FieldPath<T>
  | `-${FieldPath<T>}`
  | { readonly field: FieldPath<T>; readonly order?: SortOrder };

/** A query's order: one key or several, the first deciding first. */
export type Sort<T> = SortField<T> | readonly SortField<T>[];

/** A validated sort key, as backends compile it. */
export interface SortKey {
  readonly path: readonly string[];
  readonly descending: boolean;
}

/** Most keys one sort may have (the id, always last, not counted). */
export const MAX_SORT_KEYS = 8;

/**
 * Validates a sort: a field path, `'-path'` for descending, `{ field, order }`, or an array
 * of them. Throws `InvalidArgumentError` (or `InvalidConditionError` for a bad path).
 */
export function normalizeSort(sort: unknown): SortKey[] {
  if (sort === undefined) return [];
  const fields = Array.isArray(sort) ? sort : [sort];
  if (fields.length > MAX_SORT_KEYS) {
    throw new InvalidArgumentError(`A sort has at most ${MAX_SORT_KEYS} keys`);
  }
  return fields.map((field: unknown) => {
    if (typeof field === 'string') {
      const descending = field.startsWith('-');
      return { path: parsePath(descending ? field.slice(1) : field), descending };
    }
    if (isPlainObject(field) && typeof field.field === 'string') {
      const order = field.order ?? 'asc';
      if (order !== 'asc' && order !== 'desc') {
        throw new InvalidArgumentError(
          `A sort order is 'asc' or 'desc', got ${safeDescribe(order)}`,
        );
      }
      return { path: parsePath(field.field), descending: order === 'desc' };
    }
    throw new InvalidArgumentError(
      `A sort key is a field path, '-path' or { field, order }, got ${safeDescribe(field)}`,
    );
  });
}

/**
 * The rank of a value's kind in the sort order, lowest first: missing 0, `null` 1,
 * `false` 2, `true` 3, numbers 4, strings 5, arrays 6, objects 7. Values of one rank
 * order among themselves only when they are numbers (by value) or strings (by code point);
 * all arrays tie, as do all objects, and ties fall to the next key and at last to the id.
 */
export function sortRank(value: unknown): number {
  if (value === MISSING) return 0;
  if (value === null) return 1;
  switch (typeof value) {
    case 'boolean':
      return value ? 3 : 2;
    case 'number':
      return 4;
    case 'string':
      return 5;
    default:
      return Array.isArray(value) ? 6 : 7;
  }
}

/** Orders two values as a sort key orders them ascending (see `sortRank`). */
export function compareSortValues(a: unknown, b: unknown): number {
  const rank = sortRank(a) - sortRank(b);
  if (rank !== 0) return Math.sign(rank);
  if (typeof a === 'number') return Math.sign(a - (b as number));
  if (typeof a === 'string') return compareCodePoints(a, b as string);
  return 0;
}

/** The values a document's sort keys take (`MISSING` where a path addresses nothing). */
export function sortValuesOf(document: unknown, sort: readonly SortKey[]): unknown[] {
  return sort.map((key) => resolvePath(document, key.path));
}

/**
 * Orders two documents as a query does: by each key in turn (descending ones reversed),
 * then by id in code point order, ascending.
 */
export function compareBySort(
  a: { readonly id: string; readonly values: readonly unknown[] },
  b: { readonly id: string; readonly values: readonly unknown[] },
  sort: readonly SortKey[],
): number {
  for (const [i, key] of sort.entries()) {
    const order = compareSortValues(a.values[i], b.values[i]);
    if (order !== 0) return key.descending ? -order : order;
  }
  return compareCodePoints(a.id, b.id);
}
