import { safeDescribe } from './check.js';
import { InvalidDocumentError, InvalidPatchError, PatchTestFailedError } from './errors.js';
import { assertJson, cloneJson, isRecord, type Json, jsonEqual, setOwn } from './merge.js';

/** A JSON Merge Patch (RFC 7396) of a document: an object of fields to set, `null` to remove. */
export type MergePatch = { [field: string]: Json };

/** Refuses a merge patch that is not a plain JSON object, or holds `__proto__`/`constructor`. */
export function validateMergePatch(patch: unknown): asserts patch is MergePatch {
  if (!isRecord(patch)) {
    throw new InvalidDocumentError(
      `A merge patch of a document is an object, got ${safeDescribe(patch)}`,
    );
  }
  assertJson(patch, 'The patch', 0);
}

/**
 * Applies a merge patch (RFC 7396 section 2) and returns the result; `target` is not
 * modified. Validate the patch first with `validateMergePatch`.
 */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isRecord(patch)) return cloneJson(patch);
  const out: Record<string, Json> = isRecord(target) ? cloneJson(target) : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key] as Json;
    if (value === null) {
      delete out[key];
    } else {
      setOwn(out, key, applyMergePatch(Object.hasOwn(out, key) ? out[key] : undefined, value));
    }
  }
  return out;
}

/** One operation of a JSON Patch (RFC 6902). */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const MAX_OPERATIONS = 1000;

/** Refuses a JSON Patch that is not an array of well-formed operations. */
export function validateJsonPatch(patch: unknown): asserts patch is JsonPatchOperation[] {
  if (!Array.isArray(patch) || patch.length > MAX_OPERATIONS) {
    throw new InvalidPatchError(`A JSON Patch is an array of at most ${MAX_OPERATIONS} operations`);
  }
  patch.forEach((operation, i) => {
    if (!isRecord(operation) || typeof operation.op !== 'string' || !OPS.has(operation.op)) {
      throw new InvalidPatchError(`Operation ${i} has no valid "op"`);
    }
    pointer(operation.path, `Operation ${i} path`);
    if (operation.op === 'move' || operation.op === 'copy')
      pointer(operation.from, `Operation ${i} from`);
    if (operation.op === 'add' || operation.op === 'replace' || operation.op === 'test') {
      if (!Object.hasOwn(operation, 'value'))
        throw new InvalidPatchError(`Operation ${i} needs a value`);
      assertJson(operation.value, `Operation ${i} value`, 1);
    }
  });
}

/**
 * Applies a JSON Patch (RFC 6902) atomically: every operation applies to a private copy,
 * and either all succeed and the copy is returned, or the first failure throws
 * (`PatchTestFailedError` for a failed `test`, `InvalidPatchError` for anything else) and
 * `document` is untouched. Validate the patch first with `validateJsonPatch`.
 */
export function applyJsonPatch(document: Json, patch: readonly JsonPatchOperation[]): Json {
  let root = cloneJson(document);
  for (const operation of patch) {
    const path = pointer(operation.path, 'path');
    switch (operation.op) {
      case 'test':
        if (!jsonEqual(read(root, path, operation.path), operation.value)) {
          throw new PatchTestFailedError(operation.path);
        }
        break;
      case 'add':
        root = put(root, path, cloneJson(operation.value), 'add', operation.path);
        break;
      case 'replace':
        read(root, path, operation.path);
        root = put(root, path, cloneJson(operation.value), 'replace', operation.path);
        break;
      case 'remove':
        root = remove(root, path, operation.path);
        break;
      case 'move':
      case 'copy': {
        const from = pointer(operation.from, 'from');
        const value = cloneJson(read(root, from, operation.from));
        if (operation.op === 'move') {
          if (path.length > from.length && from.every((s, i) => s === path[i])) {
            throw new InvalidPatchError(
              `Cannot move ${operation.from} into its own child ${operation.path}`,
            );
          }
          root = remove(root, from, operation.from);
        }
        root = put(root, path, value, 'add', operation.path);
        break;
      }
    }
  }
  return root;
}

// A JSON Pointer (RFC 6901) as its unescaped segments; hostile segments are refused.
function pointer(value: unknown, name: string): string[] {
  if (typeof value !== 'string' || (value !== '' && !value.startsWith('/'))) {
    throw new InvalidPatchError(`${name} is a JSON Pointer ('' or starting with '/')`);
  }
  if (value === '') return [];
  return value
    .slice(1)
    .split('/')
    .map((segment) => {
      if (/~[^01]|~$/.test(segment))
        throw new InvalidPatchError(`${name} has a bad escape: ${value}`);
      const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
      if (FORBIDDEN.has(key))
        throw new InvalidPatchError(`${name} names the forbidden key ${JSON.stringify(key)}`);
      return key;
    });
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function read(root: Json, path: string[], shown: string): Json {
  let node: Json = root;
  for (const segment of path) {
    const next = child(node, segment);
    if (next === undefined) throw new InvalidPatchError(`Nothing at ${shown}`);
    node = next;
  }
  return node;
}

function child(node: Json, segment: string): Json | undefined {
  if (Array.isArray(node)) {
    const index = arrayIndex(segment, node.length - 1);
    return index === undefined ? undefined : node[index];
  }
  if (isRecord(node) && Object.hasOwn(node, segment)) return node[segment];
  return undefined;
}

function arrayIndex(segment: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
  const index = Number(segment);
  return index <= max ? index : undefined;
}

// Sets (add) or overwrites (replace) the value at `path`, returning the (new) root.
function put(root: Json, path: string[], value: Json, op: 'add' | 'replace', shown: string): Json {
  if (path.length === 0) return value;
  const parent = read(root, path.slice(0, -1), shown);
  const last = path.at(-1) as string;
  if (Array.isArray(parent)) {
    if (op === 'add' && last === '-') {
      parent.push(value);
      return root;
    }
    const index = arrayIndex(last, op === 'add' ? parent.length : parent.length - 1);
    if (index === undefined) throw new InvalidPatchError(`No array index ${last} at ${shown}`);
    if (op === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
    return root;
  }
  if (!isRecord(parent))
    throw new InvalidPatchError(`Cannot set a field inside a scalar at ${shown}`);
  setOwn(parent, last, value);
  return root;
}

function remove(root: Json, path: string[], shown: string): Json {
  if (path.length === 0) throw new InvalidPatchError('Cannot remove the whole document');
  read(root, path, shown);
  const parent = read(root, path.slice(0, -1), shown);
  const last = path.at(-1) as string;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as Record<string, Json>)[last];
  return root;
}

/** A patch of a document: a JSON Merge Patch (an object) or a JSON Patch (an array of operations). */
export type DocumentPatch = MergePatch | readonly JsonPatchOperation[];

/**
 * Validates `patch` and returns the function that applies it to a document: a JSON Patch
 * when it is an array, a merge patch when it is an object. The result must still be a
 * document (a plain object); the id field cannot be merge-patched.
 */
export function documentPatcher(
  patch: DocumentPatch,
  idField: string,
): (document: object) => object {
  if (Array.isArray(patch)) {
    validateJsonPatch(patch);
    return (document) => {
      const result = applyJsonPatch(document as Json, patch);
      if (!isRecord(result)) throw new InvalidPatchError('A patched document must stay an object');
      return result;
    };
  }
  validateMergePatch(patch);
  if (Object.hasOwn(patch, idField)) {
    throw new InvalidPatchError(`A patch cannot change the id field ${idField}`);
  }
  return (document) => applyMergePatch(document as Json, patch as MergePatch) as object;
}
