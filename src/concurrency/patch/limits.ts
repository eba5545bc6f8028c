import { InvalidArgumentError, PatchTooLargeError } from '../../core/errors.js';

/** What one patch may cost. */
export interface PatchLimits {
  /**
   * Largest document a patch may produce, in bytes of JSON. The size is tracked as the
   * patch applies, and the patch is refused at the operation that passes it. Default 16 MiB.
   */
  readonly maxDocumentBytes?: number;
  /** Most operations one JSON Patch may hold. Default 1,000. */
  readonly maxPatchOperations?: number;
}

/** The limit on operations of a JSON Patch when none is given. */
export const DEFAULT_MAX_PATCH_OPERATIONS = 1000;
/** The limit on the patched document's size when none is given (the store's default too). */
export const DEFAULT_MAX_PATCHED_BYTES = 16 * 1024 * 1024;

/** `limits` with every default filled in; a limit that is not a positive integer is refused. */
export function resolveLimits(limits: PatchLimits = {}): Required<PatchLimits> {
  const resolved = {
    maxDocumentBytes: limits.maxDocumentBytes ?? DEFAULT_MAX_PATCHED_BYTES,
    maxPatchOperations: limits.maxPatchOperations ?? DEFAULT_MAX_PATCH_OPERATIONS,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidArgumentError(`${name} is a positive integer`);
    }
  }
  return resolved;
}

/** Refuses a JSON Patch of more operations than the limit allows. */
export function checkOperationCount(count: number, limits: Required<PatchLimits>): void {
  if (count > limits.maxPatchOperations) {
    throw new PatchTooLargeError('maxPatchOperations', limits.maxPatchOperations, count);
  }
}
