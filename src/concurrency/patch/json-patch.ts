import { InvalidPatchError, PatchTestFailedError } from '../../core/errors.js';
import { assertJson, isRecord, type Json, jsonEqual } from '../merge.js';
import { checkOperationCount, type PatchLimits, resolveLimits } from './limits.js';
import { parsePointer } from './pointer.js';
import { type Ownership, PatchTree } from './tree.js';

/** One operation of a JSON Patch (RFC 6902). */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Refuses a JSON Patch that is not an array of well-formed operations
 * (`InvalidPatchError`), or holds more than `limits.maxPatchOperations` of them
 * (`PatchTooLargeError`; default 1,000).
 */
export function validateJsonPatch(
  patch: unknown,
  limits?: PatchLimits,
): asserts patch is JsonPatchOperation[] {
  if (!Array.isArray(patch)) throw new InvalidPatchError('A JSON Patch is an array of operations');
  checkOperationCount(patch.length, resolveLimits(limits));
  patch.forEach((operation, i) => {
    if (!isRecord(operation) || typeof operation.op !== 'string' || !OPS.has(operation.op)) {
      throw new InvalidPatchError(`Operation ${i} has no valid "op"`);
    }
    parsePointer(operation.path, `Operation ${i} path`);
    if (operation.op === 'move' || operation.op === 'copy')
      parsePointer(operation.from, `Operation ${i} from`);
    if (operation.op === 'add' || operation.op === 'replace' || operation.op === 'test') {
      if (!Object.hasOwn(operation, 'value'))
        throw new InvalidPatchError(`Operation ${i} needs a value`);
      assertJson(operation.value, `Operation ${i} value`, 1);
    }
  });
}

/**
 * Applies a JSON Patch (RFC 6902) atomically: either every operation succeeds and the
 * patched document is returned, or the first failure throws (`PatchTestFailedError` for
 * a failed `test`, `PatchTooLargeError` past `limits`, `InvalidPatchError` for anything
 * else). `document` is never modified and the result shares nothing with it or with the
 * patch. Each operation costs the length of its path (changed containers are copied
 * once, copied values shared), so a patch costs its own size plus one walk of the
 * document. Validate the patch first with `validateJsonPatch`.
 */
export function applyJsonPatch(
  document: Json,
  patch: readonly JsonPatchOperation[],
  limits?: PatchLimits,
): Json {
  return runJsonPatch(document, patch, limits, 'pure');
}

/**
 * `applyJsonPatch` for a caller that owns `document` (it may keep unchanged parts of it
 * in the result), with a top-level field left out of the size (`uncounted`).
 */
export function runJsonPatch(
  document: Json,
  patch: readonly JsonPatchOperation[],
  limits: PatchLimits | undefined,
  ownership: Ownership,
  uncounted?: string,
): Json {
  const resolved = resolveLimits(limits);
  checkOperationCount(patch.length, resolved);
  const tree = new PatchTree(document, resolved.maxDocumentBytes, uncounted);
  for (const operation of patch) {
    // Sizes are kept along each operation's path, so this costs nothing per operation.
    const before = tree.storedBytes();
    apply(tree, operation);
    tree.checkGrowth(() => before);
  }
  return tree.result(ownership);
}

function apply(tree: PatchTree, operation: JsonPatchOperation): void {
  const path = parsePointer(operation.path, 'path');
  switch (operation.op) {
    case 'test':
      if (!jsonEqual(tree.read(path, operation.path), operation.value)) {
        throw new PatchTestFailedError(operation.path);
      }
      return;
    case 'add':
      tree.put(path, tree.share(operation.value), 'add', operation.path);
      return;
    case 'replace':
      tree.read(path, operation.path);
      tree.put(path, tree.share(operation.value), 'replace', operation.path);
      return;
    case 'remove':
      tree.remove(path, operation.path);
      return;
    case 'copy': {
      const from = parsePointer(operation.from, 'from');
      tree.put(path, tree.share(tree.read(from, operation.from)), 'add', operation.path);
      return;
    }
    case 'move': {
      const from = parsePointer(operation.from, 'from');
      const value = tree.read(from, operation.from);
      if (path.length > from.length && from.every((s, i) => s === path[i])) {
        throw new InvalidPatchError(
          `Cannot move ${operation.from} into its own child ${operation.path}`,
        );
      }
      tree.remove(from, operation.from);
      // Owned, it is held by one place before and after and stays changeable in place;
      // otherwise its old place may have been shared, so it is marked as such.
      tree.put(path, tree.owns(value) ? value : tree.share(value), 'add', operation.path);
      return;
    }
  }
}
