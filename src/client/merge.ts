import {
  jsonEqual as equal,
  type Json,
  type MergeOptions,
  type MergeResult,
  mergeThreeWay,
} from '../concurrency/merge.js';
import type { ConflictError } from './errors.js';

/**
 * Decides a conflict: the document to save instead (it is saved against `theirs`, so a
 * change landing meanwhile is a conflict again), or `undefined` to let it surface.
 */
export type ConflictResolver<T> = (
  conflict: ConflictError<T>,
) => T | undefined | Promise<T | undefined>;

/**
 * The three-way merge of the store (the same function `threeWayMerge()` uses) on a
 * conflict: every change `mine` made relative to `base`, applied on top of `theirs`.
 * `failed` when both changed a path differently and `onConflict` left it to `'fail'`, or
 * when a side deleted the document (nothing to merge into).
 */
export function mergeConflict<T>(
  conflict: ConflictError<T>,
  options: MergeOptions = {},
): MergeResult<T | null> {
  const { base, mine, theirs } = conflict;
  if (mine === null || theirs === null) {
    const path = '(document)';
    const values = { original: base?.document as Json, current: theirs?.document as Json };
    return {
      merged: null,
      failed: true,
      conflicts: [{ path, ...values, attempted: mine as Json }],
    };
  }
  return mergeThreeWay<T>((base?.document ?? {}) as T, theirs.document, mine, options);
}

/**
 * A resolver saving the three-way merge of a conflict when no path conflicts (or
 * `onConflict` settles them), and surfacing the conflict otherwise.
 */
export function mergeResolver<T>(options: MergeOptions = {}): ConflictResolver<T> {
  return (conflict) => {
    const result = mergeConflict(conflict, options);
    return result.failed || result.merged === null ? undefined : result.merged;
  };
}

/** Deep equality of JSON values (key order does not matter). */
export const jsonEqual = (a: unknown, b: unknown): boolean => equal(a as Json, b as Json);
