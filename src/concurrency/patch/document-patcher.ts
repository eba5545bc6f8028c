import { InvalidPatchError } from '../../core/errors.js';
import { isRecord, type Json } from '../merge.js';
import { type JsonPatchOperation, runJsonPatch, validateJsonPatch } from './json-patch.js';
import type { PatchLimits } from './limits.js';
import { type MergePatch, runMergePatch, validateMergePatch } from './merge-patch.js';

/** A patch of a document: a JSON Merge Patch (an object) or a JSON Patch (an array of operations). */
export type DocumentPatch = MergePatch | readonly JsonPatchOperation[];

/** What a patcher needs to know of the collection the document belongs to. */
export interface PatchedCollection {
  readonly idField: string;
  /** A field the store keeps as metadata, not in the stored JSON: not counted in its size. */
  readonly versionField?: string | undefined;
}

/**
 * Validates `patch` and returns the function that applies it to a document: a JSON Patch
 * when it is an array, a merge patch when it is an object. The result must still be a
 * document (a plain object); the id field cannot be merge-patched. The function takes
 * over the document it is given (it may reuse its unchanged parts), and refuses with
 * `PatchTooLargeError` a patch past `limits`, before anything is written.
 */
export function documentPatcher(
  patch: DocumentPatch,
  collection: PatchedCollection,
  limits?: PatchLimits,
): (document: object) => object {
  const uncounted = collection.versionField;
  if (Array.isArray(patch)) {
    validateJsonPatch(patch, limits);
    return (document) => {
      const result = runJsonPatch(document as Json, patch, limits, 'private', uncounted);
      if (!isRecord(result)) throw new InvalidPatchError('A patched document must stay an object');
      return result;
    };
  }
  validateMergePatch(patch);
  if (Object.hasOwn(patch, collection.idField)) {
    throw new InvalidPatchError(`A patch cannot change the id field ${collection.idField}`);
  }
  return (document) =>
    runMergePatch(document as Json, patch as MergePatch, limits, 'private', uncounted) as object;
}
