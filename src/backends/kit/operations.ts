/**
 * What a backend needs to compile atomic operations: their validated form (from
 * src/concurrency, re-exported so backends import the kit only) and the one rule, shared
 * by every dialect, for whether an operation fits the stored document (the SQL twin of
 * the type errors of `applyOperations`).
 */
export type { NormalizedOperation } from '../../concurrency/operations.js';

import type { NormalizedOperation } from '../../concurrency/operations.js';
import { jsonInFull } from '../../core/numbers-in-full.js';

/** The JSON types an operation asks its path (or a parent of it) to hold. */
export type JsonKind = 'object' | 'array' | 'number' | 'string';

/** How a dialect tests the stored value at the first `length` segments of a path. */
export interface PathTypes {
  /** True when the value there has this JSON type; false when missing or of another type. */
  is(length: number, kind: JsonKind): string;
  /** True when nothing is there (in the sense of `resolvePath`). */
  missing(length: number): string;
}

/** True for the operators that write a value at their path, creating what is missing. */
export function creates(operation: NormalizedOperation): boolean {
  return operation.op !== 'unset' && operation.op !== 'pull';
}

/**
 * A boolean SQL expression, true when `operation` fits the stored document, with the
 * meaning `applyOperations` gives its type errors. `valueFits` is the dialect's test of
 * an existing value at the full path (the right type, and for `$inc`/`$mul` a finite
 * result); a creating operation also fits when its path is missing and the first missing
 * step is a key of an object (then the objects on the way are created).
 */
export function operationFits(
  operation: NormalizedOperation,
  types: PathTypes,
  valueFits: string,
): string {
  const n = operation.path.length;
  if (operation.op === 'unset') return 'true';
  if (operation.op === 'pull') return `(${types.missing(n)} OR ${types.is(n, 'array')})`;
  // Exactly one prefix is present with its next step missing, when the path is missing.
  const boundaries: string[] = [];
  for (let k = 0; k < n; k++) {
    const parent = k === 0 ? '' : `${types.is(k, 'object')} AND `;
    boundaries.push(`(${parent}${types.missing(k + 1)})`);
  }
  return `(${valueFits} OR ${boundaries.join(' OR ')})`;
}

/**
 * The proper prefixes of the paths of creating operations, shortest first, each once:
 * the parents a dialect without implicit creation makes sure exist before writing.
 */
export function parentPaths(operations: readonly NormalizedOperation[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const operation of operations) {
    if (!creates(operation)) continue;
    for (let k = 1; k < operation.path.length; k++) {
      const prefix = operation.path.slice(0, k);
      seen.set(JSON.stringify(prefix), prefix);
    }
  }
  return [...seen.values()].sort((a, b) => a.length - b.length);
}

/**
 * The JSON text of a value for a bound parameter, its numbers written in full as documents
 * are stored: a backend that keeps the text as it is given then counts a document's size
 * as a put of it does.
 */
export function jsonText(value: unknown): string {
  return jsonInFull(value);
}
