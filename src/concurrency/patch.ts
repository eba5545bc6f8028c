import { safeDescribe } from './check.js';
import { InvalidDocumentError } from './errors.js';
import { assertJson, cloneJson, isRecord, type Json, setOwn } from './merge.js';

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
