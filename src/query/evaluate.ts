import { evaluateCondition } from '../concurrency/evaluate-condition.js';
import type { CursorPosition } from './cursor.js';
import type { NormalizedQuery } from './query.js';
import { compareBySort, sortValuesOf } from './sort.js';

/** A document as the reference evaluator takes it: its id and its parsed body. */
export interface QueryCandidate {
  readonly id: string;
  readonly body: unknown;
}

/**
 * The meaning of a query, once: which of `documents` it returns, in order. Every backend
 * must return exactly these, in this order; the conformance suite checks that they do.
 * The filter holds as `evaluateCondition` says; the order is `compareBySort`'s (sort keys
 * by `sortRank`, then the id); a page starts strictly after `after` and holds `limit`.
 */
export function evaluateQuery<D extends QueryCandidate>(
  documents: readonly D[],
  query: NormalizedQuery,
): D[] {
  const keyed = documents
    .filter((d) => query.filter === null || evaluateCondition(query.filter, d.body))
    .map((d) => ({ document: d, id: d.id, values: sortValuesOf(d.body, query.sort) }))
    .sort((a, b) => compareBySort(a, b, query.sort));
  const after = query.after;
  const start = after ? keyed.findIndex((d) => isAfter(d, after, query)) : 0;
  if (start < 0) return [];
  return keyed.slice(start, start + query.limit).map((d) => d.document);
}

function isAfter(
  d: { id: string; values: readonly unknown[] },
  after: CursorPosition,
  query: NormalizedQuery,
): boolean {
  return compareBySort(d, after, query.sort) > 0;
}
