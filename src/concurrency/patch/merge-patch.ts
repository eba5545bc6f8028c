import { InvalidDocumentError } from '../../core/errors.js';
import { safeDescribe } from '../../core/json.js';
import { assertJson, isRecord, type Json, setOwn } from '../merge.js';
import { type PatchLimits, resolveLimits } from './limits.js';
import { type Ownership, PatchTree } from './tree.js';

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
 * modified and the result shares nothing with it or with the patch. Only the objects
 * the patch reaches are copied, each once, so the cost is the patch's size plus the
 * widths of those objects. A result larger than `limits.maxDocumentBytes` throws
 * `PatchTooLargeError`. Validate the patch first with `validateMergePatch`.
 */
export function applyMergePatch(target: Json | undefined, patch: Json, limits?: PatchLimits): Json {
  return runMergePatch(target, patch, limits, 'pure');
}

/**
 * `applyMergePatch` for a caller that owns `target` (it may keep unchanged parts of it
 * in the result), with a top-level field left out of the size (`uncounted`).
 */
export function runMergePatch(
  target: Json | undefined,
  patch: Json,
  limits: PatchLimits | undefined,
  ownership: Ownership,
  uncounted?: string,
): Json {
  const tree = new PatchTree(target ?? null, resolveLimits(limits).maxDocumentBytes, uncounted);
  tree.replaceRoot(merge(tree, target, patch));
  return tree.result(ownership);
}

// One level of RFC 7396's MergePatch(Target, Patch), keeping the merged object's size.
function merge(tree: PatchTree, target: Json | undefined, patch: Json): Json {
  if (!isRecord(patch)) return tree.share(patch);
  const out = tree.ownCopy(isRecord(target) ? target : undefined);
  const meter = tree.meter;
  let content = meter.content(out);
  for (const key of Object.keys(patch)) {
    const value = patch[key] as Json;
    const had = Object.hasOwn(out, key);
    content -= had ? meter.entry(key, out[key]) : 0;
    if (value === null) {
      delete out[key];
    } else {
      const merged = merge(tree, had ? out[key] : undefined, value);
      setOwn(out, key, merged);
      content += meter.entry(key, merged);
    }
  }
  meter.remember(out, content);
  return out;
}
