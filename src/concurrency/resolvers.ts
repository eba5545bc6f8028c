import { MergeConflictError } from '../core/errors.js';
import type { DocumentMetadata } from '../core/metadata.js';
import { type ArrayIdentity, type ConflictChoice, mergeAdditive, mergeThreeWay } from './merge.js';

/** What a resolver is told about a conflict. */
export interface ResolveContext<T> {
  /** The document as this writer loaded it, before its change. */
  readonly original: T;
  /** The document as it is stored now, after the concurrent change. */
  readonly current: T;
  /** What this writer tried to save. */
  readonly attempted: T;
  /** The metadata of `current`: the resolved document is saved checked against it. */
  readonly currentMetadata: DocumentMetadata;
  readonly collection: string;
  readonly id: string;
  /** 1 for the first conflict of this write, +1 each time `current` moved again. */
  readonly attempt: number;
}

/**
 * Settles a conflict: the document to save instead (checked against `current`'s version,
 * so a resolution that meets yet another change is resolved again), `'retry'` to reload
 * and run the change again (only `update()` can), or `'fail'` to let the conflict surface.
 */
export type Resolution<T> = T | 'retry' | 'fail';

/** A conflict resolver; it may be async. Keep it deterministic and free of side effects. */
export type Resolver<T extends object = Record<string, unknown>> = (
  context: ResolveContext<T>,
) => Resolution<T> | Promise<Resolution<T>>;

/** A resolver that works for documents of any type, as the built-in ones do. */
export type GenericResolver = <T extends object>(
  context: ResolveContext<T>,
) => Resolution<T> | Promise<Resolution<T>>;

/** The attempted document replaces the current one, still as a checked write. */
export const lastWriteWins: GenericResolver = ({ attempted }) => attempted;

/** The write that landed first stands: the conflict surfaces as a `ConcurrencyError`. */
export const firstWriteWins: GenericResolver = () => 'fail';

/**
 * `current` plus what `attempted` adds: arrays are unioned (by `identity` when given, else
 * by value), attempted scalars win, nothing is removed. For carts, tags, sets.
 */
export function additiveMerge(options: { identity?: ArrayIdentity } = {}): GenericResolver {
  return ({ current, attempted }) => mergeAdditive(current, attempted, options.identity);
}

/** Options of `threeWayMerge()`. */
export interface ThreeWayMergeOptions {
  /**
   * Paths both sides changed differently: `'fail'` (default; throws `MergeConflictError`
   * listing them), `'ours'`, `'theirs'`, or a function choosing per path.
   */
  onConflict?: ConflictChoice;
  /** Identity keys for arrays, e.g. `'id'` or `{ lines: 'sku' }`. */
  identity?: ArrayIdentity;
}

/**
 * Takes every change this writer made relative to what it loaded, and every change the
 * concurrent writer made, and keeps both where they do not overlap, at any depth.
 */
export function threeWayMerge(options: ThreeWayMergeOptions = {}): GenericResolver {
  return ({ original, current, attempted, collection, id }) => {
    const result = mergeThreeWay(original, current, attempted, options);
    if (result.failed) {
      throw new MergeConflictError(
        collection,
        id,
        result.conflicts.map((c) => c.path),
      );
    }
    return result.merged;
  };
}
